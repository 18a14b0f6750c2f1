"""GraphQL execution with a fast path for objects whose selected fields are all plain attributes.

graphql-core completes every field of every object on its own: a ``Path``, a ``GraphQLResolveInfo``,
the resolver call, an awaitable check and ``complete_value`` per field. For a list of 10,000 entities
asking for ``id name code`` that is most of the request's time. When every field selected on an
object is one that strawberry answers with a plain attribute read (a field without a resolver,
extensions or permission classes, and without arguments) and is a scalar or enum, a list of them, or
an object type (or a list of objects) whose own selection qualifies in turn, the answer is the
attribute, coerced by the leaf type or completed by the object's plan, so ``LeafFastPathExecutor``
builds the object's dict directly (the flagship's ``taskForces { via taskForce { name } }``: a few
thousand links). The selection is the executor's own field collection (aliases, fragments, ``@skip``
and ``@include`` already applied); ``__typename`` is the object type's name. Interfaces and unions
are not planned (their concrete type is resolved per value): such a field takes the normal path.

Anything else takes graphql-core's path for the whole object, which therefore gives the same errors:
a null (or a value the leaf type will not coerce) in a non-null field, an exception, an awaitable, a
list value that is not a plain list or tuple, a resolve middleware (a schema extension's ``resolve``
hook), ``@defer``/``@stream`` and any other directive on a field. Attributes read before falling back
are read again by the normal path; a plain field is a plain attribute, so that is harmless.

``LOUPAN_GRAPHQL_FAST_PATH=0`` turns the fast path off (``FAST_PATH``; the tests compare both).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from types import CoroutineType, GeneratorType
from typing import Any

from graphql import (
    GraphQLField,
    GraphQLID,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLString,
    TypeNameMetaFieldDef,
    is_leaf_type,
)
from graphql.pyutils import Path, Undefined
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

FAST_PATH = os.environ.get("LOUPAN_GRAPHQL_FAST_PATH", "1") != "0"

_SKIP_INCLUDE = frozenset({"skip", "include"})
# Values of these types are never awaitable and never exceptions (strawberry's optimized_is_awaitable
# has the same list); a value of any other type is checked the way graphql-core checks it, and its
# class joins them when no instance of it can be either (see ``_inert``).
_PLAIN = frozenset({type(None), bool, int, float, str, list, tuple, dict})
_INERT: set[type] = set(_PLAIN)

# Leaf types whose output coercion returns a ``str`` value unchanged: a ``str`` is answered as is.
_STR_AS_IS = (GraphQLString, GraphQLID)

# A field of a plan: response name, attribute to read (None: __typename), whether the type is
# non-null, the leaf type's output coercion (a scalar or enum), whether that coercion returns a str
# unchanged, the field's type without its non-null (lists), and for an object or a list of objects
# the object type and its plan.
_Step = tuple[str, str | None, bool, Callable[[Any], Any] | None, bool, "GraphQLList[Any] | None",
              "tuple[GraphQLObjectType, tuple[_Step, ...]] | None"]


class _Fallback(Exception):  # control flow only: never leaves this module
    """Something graphql-core must handle itself: complete the object the normal way."""


def _plain_attribute(field: GraphQLField) -> str | None:
    """The attribute strawberry reads for ``field``, if it is a plain attribute read; else None."""
    if field.args:
        return None
    definition = (field.extensions or {}).get("strawberry-definition")
    resolve = field.resolve
    if definition is None or resolve is None:
        return None
    # strawberry answers a field without resolver, extensions (permission classes are one) or
    # exception handlers with ``_get_basic_result``: ``default_resolver(source, python_name)``.
    if (not definition.is_basic_field or definition.default_resolver is not getattr
            or getattr(resolve, "__name__", "") != "_get_basic_result"
            or getattr(resolve, "_is_default", False) is not True):
        return None
    return str(definition.python_name)


def _inert(value: Any, is_awaitable: Callable[[Any], bool]) -> bool:
    """Whether ``value`` is neither awaitable (by graphql-core's test) nor an exception. Its class is
    remembered when no instance of it could be (not an exception, coroutine or generator class, no
    ``__await__``), so the next of its instances costs one set look-up: a 4,000-link answer made
    8,000 of these checks. (An ``__await__`` set on one instance alone would be missed; ``await``
    itself ignores such an attribute.)"""
    if is_awaitable(value) or isinstance(value, Exception):
        return False
    cls = value.__class__
    if not hasattr(cls, "__await__") and not issubclass(cls, (CoroutineType, GeneratorType)):
        _INERT.add(cls)
    return True


class LeafFastPathExecutor(StrawberryGraphQLCoreExecutionContext):
    """strawberry's executor, with objects of plain leaf fields completed without per-field execution."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        manager = self.middleware_manager
        self._fast = FAST_PATH and (manager is None or manager._middleware_resolvers is None)
        roots = (self.schema.query_type, self.schema.mutation_type, self.schema.subscription_type)
        self._roots = frozenset(id(t) for t in roots if t is not None)
        # (parent type, grouped field set) -> plan or None; the key objects are kept alive with it
        self._plans: dict[tuple[int, int], tuple[Any, Any, tuple[_Step, ...] | None]] = {}

    def _plan_of(self, parent_type: GraphQLObjectType, grouped_field_set: dict[str, Any]) -> tuple[_Step, ...] | None:
        """The plan for ``grouped_field_set`` on ``parent_type`` (None: not all plain leaves), made once."""
        key = (id(parent_type), id(grouped_field_set))
        cached = self._plans.get(key)
        if cached is None:
            cached = (parent_type, grouped_field_set, self._plan(parent_type, grouped_field_set))
            self._plans[key] = cached
        return cached[2]

    def _plan(self, parent_type: GraphQLObjectType, grouped_field_set: dict[str, Any]) -> tuple[_Step, ...] | None:
        if id(parent_type) in self._roots:
            return None
        steps: list[_Step] = []
        for response_name, field_details_list in grouped_field_set.items():
            for details in field_details_list:
                node = details.node
                if node.arguments or details.defer_usage is not None or any(
                        d.name.value not in _SKIP_INCLUDE for d in node.directives or ()):
                    return None
            field_name = field_details_list[0].node.name.value
            field = self.schema.get_field(parent_type, field_name)
            if field is None:
                return None
            if field is TypeNameMetaFieldDef:
                steps.append((response_name, None, True, None, False, None, None))
                continue
            attr = _plain_attribute(field)
            if attr is None:
                return None
            type_: Any = field.type
            non_null = isinstance(type_, GraphQLNonNull)
            inner = type_.of_type if non_null else type_
            named = inner.of_type if isinstance(inner, GraphQLList) else inner
            if isinstance(named, GraphQLNonNull):
                named = named.of_type
            base = named
            while isinstance(base, (GraphQLNonNull, GraphQLList)):
                base = base.of_type
            if is_leaf_type(base):
                if isinstance(inner, GraphQLList):
                    steps.append((response_name, attr, non_null, None, False, inner, None))
                else:
                    steps.append((response_name, attr, non_null, inner.coerce_output_value,
                                  any(inner is t for t in _STR_AS_IS), None, None))
            elif isinstance(named, GraphQLObjectType):  # an object, or a list of objects
                collected = self.collect_subfields(named, field_details_list)
                plan = None if collected.new_defer_usages else self._plan_of(named, collected.grouped_field_set)
                if plan is None:
                    return None
                steps.append((response_name, attr, non_null, None, False,
                              inner if isinstance(inner, GraphQLList) else None, (named, plan)))
            else:  # an interface, a union, a list of lists of objects
                return None
        return tuple(steps)

    def execute_fields(self, parent_type: GraphQLObjectType, source_value: Any, path: Path | None,
                       grouped_field_set: dict[str, Any], position_context: Any) -> Any:
        if self._fast and position_context is None:
            plan = self._plan_of(parent_type, grouped_field_set)
            if plan is not None:
                try:
                    return self._complete_leaves(plan, parent_type, source_value, None)
                except Exception:  # anything unusual: graphql-core's path decides
                    pass
        return super().execute_fields(parent_type, source_value, path, grouped_field_set, position_context)

    def complete_list_value(self, return_type: GraphQLList[Any], field_details_list: list[Any], info: Any,
                            path: Path, result: Any, position_context: Any) -> Any:
        """A plain list of objects of plain leaf fields: every item completed here, without a ``Path``
        and four method calls per item; if any item is unusual, the whole list the normal way."""
        if (self._fast and position_context is None and (result.__class__ is list or result.__class__ is tuple)
                and not any(d.name.value == "stream" for f in field_details_list for d in f.node.directives or ())):
            item_type: Any = return_type.of_type
            non_null = isinstance(item_type, GraphQLNonNull)
            if non_null:
                item_type = item_type.of_type
            if isinstance(item_type, GraphQLObjectType):
                collected = self.collect_subfields(item_type, field_details_list)
                plan = None if collected.new_defer_usages else self._plan_of(item_type, collected.grouped_field_set)
                if plan is not None:
                    try:
                        return self._complete_items(plan, item_type, non_null, info, result)
                    except Exception:  # anything unusual: graphql-core's path decides
                        pass
        return super().complete_list_value(return_type, field_details_list, info, path, result, position_context)

    def _complete_items(self, plan: tuple[_Step, ...], item_type: GraphQLObjectType, non_null: bool, info: Any,
                        items: list[Any] | tuple[Any, ...]) -> list[Any]:
        is_awaitable = self.is_awaitable
        inert = _INERT
        is_type_of = item_type.is_type_of
        complete_leaves = self._complete_leaves
        out: list[Any] = []
        for item in items:
            if item is None or item is Undefined:
                if non_null:
                    raise _Fallback
                out.append(None)
                continue
            if item.__class__ not in inert and not _inert(item, is_awaitable):
                raise _Fallback
            if is_type_of is not None and is_type_of(item, info) is not True:
                raise _Fallback
            out.append(complete_leaves(plan, item_type, item, info))
        return out

    def _complete_leaves(self, plan: tuple[_Step, ...], parent_type: GraphQLObjectType, source: Any,
                         info: Any) -> dict[str, Any]:
        """The object's dict by ``plan``; ``info`` is the enclosing field's (None at the top, where
        graphql-core has already checked ``is_type_of``), passed to nested objects' ``is_type_of``."""
        is_awaitable = self.is_awaitable
        inert = _INERT
        result: dict[str, Any] = {}
        for response_name, attr, non_null, coerce, str_as_is, list_type, sub in plan:
            if attr is None:
                result[response_name] = parent_type.name
                continue
            value = getattr(source, attr)
            if str_as_is and value.__class__ is str:
                result[response_name] = value
                continue
            if value.__class__ not in inert and not _inert(value, is_awaitable):
                raise _Fallback
            if value is None or value is Undefined:
                if non_null:
                    raise _Fallback
                result[response_name] = None
            elif coerce is not None:
                coerced = coerce(value)
                if coerced is None or coerced is Undefined:
                    raise _Fallback
                result[response_name] = coerced
            elif sub is not None:
                object_type, object_plan = sub
                if list_type is None:
                    is_type_of = object_type.is_type_of
                    if is_type_of is not None and is_type_of(value, info) is not True:
                        raise _Fallback
                    result[response_name] = self._complete_leaves(object_plan, object_type, value, info)
                else:
                    if value.__class__ is not list and value.__class__ is not tuple:
                        raise _Fallback
                    item_type = list_type.of_type
                    result[response_name] = self._complete_items(object_plan, object_type,
                                                                 isinstance(item_type, GraphQLNonNull), info, value)
            else:
                result[response_name] = self._complete_list(list_type, value)
        return result

    def _complete_list(self, list_type: Any, value: Any) -> list[Any]:
        """A list of leaves (``value`` is not null), as graphql-core completes it, or ``_Fallback``."""
        if value.__class__ is not list and value.__class__ is not tuple:
            raise _Fallback
        item_type = list_type.of_type
        non_null = isinstance(item_type, GraphQLNonNull)
        if non_null:
            item_type = item_type.of_type
        if isinstance(item_type, GraphQLList):
            nested: list[Any] = []
            for item in value:
                if item is None or item is Undefined:
                    if non_null:
                        raise _Fallback
                    nested.append(None)
                else:
                    nested.append(self._complete_list(item_type, item))
            return nested
        coerce = item_type.coerce_output_value
        is_awaitable = self.is_awaitable
        inert = _INERT
        out: list[Any] = []
        for item in value:
            if item.__class__ not in inert and not _inert(item, is_awaitable):
                raise _Fallback
            if item is None or item is Undefined:
                if non_null:
                    raise _Fallback
                out.append(None)
                continue
            coerced = coerce(item)
            if coerced is None or coerced is Undefined:
                raise _Fallback
            out.append(coerced)
        return out
