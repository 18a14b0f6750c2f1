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
list value that is not a list or tuple (for objects: not a plain one), a resolve middleware (a schema
extension's ``resolve`` hook), ``@defer``/``@stream`` and any other directive on a field. Attributes
read before falling back are read again by the normal path; a plain field is a plain attribute, so
that is harmless.

Each object's completion is a function generated once per plan (``compile_plan``, kept across
requests), the way ``dataclasses`` generates ``__init__``: one attribute read and one type test per
field, the object's dict built at the end, nested objects completed by their own plan's function.

``LOUPAN_GRAPHQL_FAST_PATH=0`` turns the fast path off (``FAST_PATH``; the tests compare both).
"""

from __future__ import annotations

import keyword
import os
from collections.abc import Callable
from functools import lru_cache
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
# the object type and the function completing it (``compile_plan``).
_Complete = Callable[[Any, Any], dict[str, Any]]
_Step = tuple[str, str | None, bool, Callable[[Any], Any] | None, bool, "GraphQLList[Any] | None",
              "tuple[GraphQLObjectType, _Complete] | None"]


# ``is_type_of`` functions whose answer the object's class alone decides (``decided_by_class``) ->
# the classes they accepted: the fast path asks such a function once per class, not once per object
# (a flagship answer at 1M nodes holds 4,400 entities; strawberry's test looks for a cast on each).
_ACCEPTED: dict[Callable[..., Any], set[type]] = {}


def decided_by_class(is_type_of: Any) -> Any:
    """Mark a type's ``is_type_of`` as decided by the object's class alone (its answer for one
    instance is its answer for every instance of that class), so the fast path may remember it."""
    is_type_of.decided_by_class = True
    return is_type_of


def _accepted(is_type_of: Callable[..., Any] | None) -> set[type] | None:
    """The classes ``is_type_of`` has accepted, if it is decided by class; else None."""
    if is_type_of is None or getattr(is_type_of, "decided_by_class", False) is not True:
        return None
    return _ACCEPTED.setdefault(is_type_of, set())


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


def _step_value(step: _Step, is_awaitable: Callable[[Any], bool]) -> Callable[[Any, Any], Any]:
    """The answer for one field of a plan, given the attribute's value, as graphql-core completes it,
    or ``_Fallback``: what a generated completion calls for anything but its common cases."""
    _, _, non_null, coerce, str_as_is, list_type, sub = step
    accepted = _accepted(sub[0].is_type_of) if sub is not None else None

    def value_of(value: Any, info: Any) -> Any:
        if str_as_is and value.__class__ is str:
            return value
        if value.__class__ not in _INERT and not _inert(value, is_awaitable):
            raise _Fallback
        if value is None or value is Undefined:
            if non_null:
                raise _Fallback
            return None
        if coerce is not None:
            coerced = coerce(value)
            if coerced is None or coerced is Undefined:
                raise _Fallback
            return coerced
        if sub is not None:
            object_type, complete = sub
            if list_type is None:
                is_type_of = object_type.is_type_of
                if is_type_of is not None and not (accepted is not None and value.__class__ in accepted):
                    if is_type_of(value, info) is not True:
                        raise _Fallback
                    if accepted is not None:
                        accepted.add(value.__class__)
                return complete(value, info)
            if value.__class__ is not list and value.__class__ is not tuple:
                raise _Fallback
            return _complete_items(complete, object_type, isinstance(list_type.of_type, GraphQLNonNull),
                                   info, value, is_awaitable)
        return _complete_list(list_type, value, is_awaitable)

    return value_of


@lru_cache(maxsize=1024)
def compile_plan(plan: tuple[_Step, ...], parent_type: GraphQLObjectType,
                 is_awaitable: Callable[[Any], bool]) -> _Complete:
    """A function ``complete(source, info)`` returning the dict of ``source`` by ``plan`` (``info``:
    the enclosing field's, None at the top, for nested objects' ``is_type_of``), or raising.

    Generated from the plan once, as ``dataclasses`` generates ``__init__``, and kept for every later
    request with the same selection: per field, the attribute read (``source.name``), a ``str``
    answered as is, a non-null object of an inert class checked with ``is_type_of`` and completed by
    its own plan's function, and anything else handed to :func:`_step_value`. The generated text holds
    only attribute names that are identifiers and numbered names; the response names, types and
    functions are values in its namespace."""
    namespace: dict[str, Any] = {"INERT": _INERT, "Undefined": Undefined, "Fallback": _Fallback}
    lines = ["def complete(source, info):"]
    keys = []
    for i, step in enumerate(plan):
        response_name, attr, _, _, str_as_is, list_type, sub = step
        namespace[f"K{i}"] = response_name
        keys.append(f"K{i}: r{i}")
        if attr is None:
            namespace[f"T{i}"] = parent_type.name
            lines.append(f"    r{i} = T{i}")
            continue
        namespace[f"V{i}"] = _step_value(step, is_awaitable)
        if attr.isidentifier() and not keyword.iskeyword(attr) and not attr.startswith("__"):
            lines.append(f"    v = source.{attr}")
        else:
            namespace[f"A{i}"] = attr
            lines.append(f"    v = getattr(source, A{i})")
        if str_as_is:
            lines.append(f"    r{i} = v if v.__class__ is str else V{i}(v, info)")
        elif sub is not None and list_type is None:
            object_type, complete = sub
            namespace[f"C{i}"] = complete
            lines += ["    if v.__class__ in INERT and v is not None and v is not Undefined:"]
            if object_type.is_type_of is not None:
                namespace[f"I{i}"] = object_type.is_type_of
                accepted = _accepted(object_type.is_type_of)
                if accepted is None:
                    lines += [f"        if I{i}(v, info) is not True:", "            raise Fallback"]
                else:  # asked once per class
                    namespace[f"OK{i}"] = accepted
                    lines += [f"        if v.__class__ not in OK{i}:",
                              f"            if I{i}(v, info) is not True:", "                raise Fallback",
                              f"            OK{i}.add(v.__class__)"]
            lines += [f"        r{i} = C{i}(v, info)", "    else:", f"        r{i} = V{i}(v, info)"]
        else:
            lines.append(f"    r{i} = V{i}(v, info)")
    lines.append("    return {" + ", ".join(keys) + "}")
    exec("\n".join(lines), namespace)  # generated from the plan's shape, no input text
    complete_fn: _Complete = namespace["complete"]
    return complete_fn


def _complete_items(complete: _Complete, item_type: GraphQLObjectType, non_null: bool, info: Any,
                    items: list[Any] | tuple[Any, ...], is_awaitable: Callable[[Any], bool]) -> list[Any]:
    """A list of objects, each by ``complete``, or ``_Fallback``."""
    inert = _INERT
    is_type_of = item_type.is_type_of
    accepted = _accepted(is_type_of)
    out: list[Any] = []
    append = out.append
    for item in items:
        if item is None or item is Undefined:
            if non_null:
                raise _Fallback
            append(None)
            continue
        if item.__class__ not in inert and not _inert(item, is_awaitable):
            raise _Fallback
        if is_type_of is not None and not (accepted is not None and item.__class__ in accepted):
            if is_type_of(item, info) is not True:
                raise _Fallback
            if accepted is not None:
                accepted.add(item.__class__)
        append(complete(item, info))
    return out


def _complete_list(list_type: Any, value: Any, is_awaitable: Callable[[Any], bool]) -> list[Any]:
    """A list of leaves (``value`` is not null), as graphql-core completes it, or ``_Fallback``. A
    subclass of list or tuple is iterated as graphql-core iterates it (a node's shared empty list)."""
    if not isinstance(value, (list, tuple)):
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
                nested.append(_complete_list(item_type, item, is_awaitable))
        return nested
    coerce = item_type.coerce_output_value
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


class LeafFastPathExecutor(StrawberryGraphQLCoreExecutionContext):
    """strawberry's executor, with objects of plain leaf fields completed without per-field execution."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        manager = self.middleware_manager
        self._fast = FAST_PATH and (manager is None or manager._middleware_resolvers is None)
        roots = (self.schema.query_type, self.schema.mutation_type, self.schema.subscription_type)
        self._roots = frozenset(id(t) for t in roots if t is not None)
        # (parent type, grouped field set) -> completion or None; the key objects are kept alive with it
        self._plans: dict[tuple[int, int], tuple[Any, Any, _Complete | None]] = {}

    def build_response(self, data: dict[str, Any] | None) -> Any:
        """graphql-core's, then the executor's one reference cycle broken (``async_helpers`` holds two
        of its bound methods): in a cycle it, the request's context and all that context holds (the
        nodes a request primed or read ahead) would outlive the request until the collector's next
        full pass; broken, reference counting frees them as the answer leaves."""
        response = super().build_response(data)
        self.async_helpers = None  # type: ignore[assignment]
        return response

    def _plan_of(self, parent_type: GraphQLObjectType, grouped_field_set: dict[str, Any]) -> _Complete | None:
        """The completion for ``grouped_field_set`` on ``parent_type`` (None: not all plain leaves),
        planned once per request and compiled once per plan."""
        key = (id(parent_type), id(grouped_field_set))
        cached = self._plans.get(key)
        if cached is None:
            plan = self._plan(parent_type, grouped_field_set)
            complete = None if plan is None else compile_plan(plan, parent_type, self.is_awaitable)
            cached = (parent_type, grouped_field_set, complete)
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
                complete = None if collected.new_defer_usages else self._plan_of(named, collected.grouped_field_set)
                if complete is None:
                    return None
                steps.append((response_name, attr, non_null, None, False,
                              inner if isinstance(inner, GraphQLList) else None, (named, complete)))
            else:  # an interface, a union, a list of lists of objects
                return None
        return tuple(steps)

    def execute_fields(self, parent_type: GraphQLObjectType, source_value: Any, path: Path | None,
                       grouped_field_set: dict[str, Any], position_context: Any) -> Any:
        if self._fast and position_context is None:
            complete = self._plan_of(parent_type, grouped_field_set)
            if complete is not None:
                try:
                    return complete(source_value, None)  # graphql-core has checked is_type_of
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
                complete = None if collected.new_defer_usages else self._plan_of(item_type, collected.grouped_field_set)
                if complete is not None:
                    try:
                        return _complete_items(complete, item_type, non_null, info, result, self.is_awaitable)
                    except Exception:  # anything unusual: graphql-core's path decides
                        pass
        return super().complete_list_value(return_type, field_details_list, info, path, result, position_context)
