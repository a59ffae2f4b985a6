"""TCP_NODELAY on the server's sockets (ui/tcp.py): a listening socket bound as Streamlit 1.67 binds it
(protocol number 0, which asyncio's own _set_nodelay skips) passes it on to every connection it accepts."""

import socket
import sys

from ui.tcp import no_delay_everywhere


def test_connections_accepted_after_it_send_at_once():
    with socket.socket(family=socket.AF_INET) as listener:  # as Streamlit binds it: proto 0
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        assert listener.proto == 0 and listener.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0
        if not sys.platform.startswith("linux"):  # no /proc/self/fd: it does nothing, as its docstring says
            assert no_delay_everywhere() == 0
            return
        assert no_delay_everywhere() >= 1
        assert listener.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
        with socket.create_connection(listener.getsockname()) as client:
            accepted, _ = listener.accept()
            with accepted:
                assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
                accepted.sendall(b"x")
                assert client.recv(1) == b"x"  # the socket still works: only a copy was closed
