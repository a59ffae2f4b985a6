"""ui.heap: the objects alive after the first run are frozen once; garbage made later is still collected."""

import subprocess
import sys
import textwrap

from harness.app_server import ROOT


def test_the_first_call_freezes_later_calls_do_not_and_new_garbage_is_still_collected():
    # In a child process: freezing the test process's heap would outlive this test.
    script = textwrap.dedent("""
        import gc, weakref
        from ui.heap import freeze_startup_heap

        class Node: pass
        freeze_startup_heap()
        frozen = gc.get_freeze_count()
        assert frozen > 0, frozen
        kept = [Node() for _ in range(1000)]  # made after the first call: a second call must not freeze them
        freeze_startup_heap()
        assert gc.get_freeze_count() == frozen, (gc.get_freeze_count(), frozen)
        a, b = Node(), Node()
        a.other, b.other = b, a  # a cycle: only the cyclic collector frees it
        alive = weakref.ref(a)
        del a, b
        gc.collect()
        assert alive() is None
        print("ok")
    """)
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
