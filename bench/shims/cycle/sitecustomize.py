"""On ``PYTHONPATH``, leaves graphql-core's executor in its reference cycle, as it was before
``LeafFastPathExecutor.build_response`` broke it: a request's executor, its context and all the
context holds (nodes primed, answers read ahead, the loaders' caches) outlive the request until the
collector finds them. For measuring, never for serving."""

from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from loupan.api.execution import LeafFastPathExecutor

LeafFastPathExecutor.build_response = StrawberryGraphQLCoreExecutionContext.build_response  # type: ignore[method-assign]
