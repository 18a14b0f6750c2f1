"""On ``PYTHONPATH``, switches the lane off (``api/lane.py``): every request goes through FastAPI's
routing and strawberry's view, as before the lane. For measuring, never for serving."""

import loupan.api.lane as _lane


async def _through(self, scope, receive, send):  # type: ignore[no-untyped-def]
    await self.app(scope, receive, send)


_lane.PostedOperations.__call__ = _through  # type: ignore[method-assign]
