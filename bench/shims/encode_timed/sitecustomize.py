"""On ``PYTHONPATH``, times the app's encoding of each answer (``Router.encode_json``, the thread's
CPU) and then encodes the same answer once more at once and times that too: the second finds the
answer's objects in the CPU's caches and their UTF-8 already made, so it is what the encoding itself
costs in this process at that moment. Every ``LOUPAN_ENCODE_TIMES_EVERY`` answers (default 200) the
medians of those are appended to ``$LOUPAN_ENCODE_TIMES.<pid>``. For measuring, never for serving:
each answer is encoded twice."""

import os
import statistics
import time

from loupan.api.app import Router

_OUT = os.environ.get("LOUPAN_ENCODE_TIMES", "encode-times")
_EVERY = int(os.environ.get("LOUPAN_ENCODE_TIMES_EVERY", "200"))
_encode = Router.encode_json
_spent: list[tuple[float, float, int]] = []


def encode_json(self: Router, data: object) -> bytes:
    started = time.thread_time()
    encoded = _encode(self, data)
    first = time.thread_time()
    _encode(self, data)
    _spent.append((first - started, time.thread_time() - first, len(encoded)))
    if len(_spent) % _EVERY == 0:
        last = _spent[-_EVERY:]
        with open(f"{_OUT}.{os.getpid()}", "a", encoding="utf-8") as out:
            out.write(f"answers {len(_spent)}: encoding {statistics.median(s[0] for s in last) * 1000:.3f} ms, "
                      f"again at once {statistics.median(s[1] for s in last) * 1000:.3f} ms (medians of the last "
                      f"{_EVERY}), {last[-1][2]} bytes\n")
    return encoded


Router.encode_json = encode_json  # type: ignore[method-assign]
