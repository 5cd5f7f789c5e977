"""No network for a query worker: a seccomp filter refuses ``socket(AF_INET | AF_INET6, …)`` (issue 12).

pyoxigraph calls the URL of a ``SERVICE`` pattern. The endpoint refuses such queries on their parse
(``sparql.parse``); this is the second wall, for the worker processes (``sparql.workers``): should a parser
ever read a query differently from Oxigraph, the worker still cannot open a connection (nor resolve a name).
Workers talk to the server over pipes and read files, so they lose nothing.

Linux on x86-64 and aarch64 only; elsewhere ``deny_network`` returns ``False`` and the parse is the only wall.
The filter is installed in the worker's only thread before any other starts, and its children inherit it.
"""

from __future__ import annotations

import ctypes
import errno
import platform
import struct
import sys

_AUDIT_ARCH = {"x86_64": (0xC000003E, 41), "aarch64": (0xC00000B7, 198)}
"""machine → (AUDIT_ARCH_* of seccomp_data.arch, the number of the ``socket`` system call)."""
_AF_INET, _AF_INET6 = 2, 10
_PR_SET_NO_NEW_PRIVS, _PR_SET_SECCOMP, _SECCOMP_MODE_FILTER = 38, 22, 2
_RET_ALLOW, _RET_ERRNO = 0x7FFF0000, 0x00050000
_LD_ABS, _JEQ, _JGE, _RET = 0x20, 0x15, 0x35, 0x06  # BPF_LD|W|ABS, BPF_JMP|JEQ|K, BPF_JMP|JGE|K, BPF_RET|K
_IO_URING_SETUP = 425  # the same number on x86-64 and aarch64


def _program(arch: int, socket_nr: int) -> list[tuple[int, int, int, int]]:
    """(code, jump if true, jump if false, k): a foreign arch or any other call is allowed; x32 calls and
    ``io_uring_setup`` (whose socket operations seccomp would not see) are refused."""
    refuse = _RET_ERRNO | errno.EACCES
    return [
        (_LD_ABS, 0, 0, 4),  # 0: seccomp_data.arch
        (_JEQ, 0, 8, arch),  # 1: → 10 allow
        (_LD_ABS, 0, 0, 0),  # 2: seccomp_data.nr
        (_JGE, 5, 0, 0x40000000),  # 3: x32 ABI → 9 refuse
        (_JEQ, 4, 0, _IO_URING_SETUP),  # 4: → 9 refuse
        (_JEQ, 0, 4, socket_nr),  # 5: → 10 allow
        (_LD_ABS, 0, 0, 16),  # 6: seccomp_data.args[0], low half: the address family
        (_JEQ, 1, 0, _AF_INET),  # 7: → 9 refuse
        (_JEQ, 0, 1, _AF_INET6),  # 8: → 9 refuse, else 10 allow
        (_RET, 0, 0, refuse),  # 9
        (_RET, 0, 0, _RET_ALLOW),  # 10
    ]


def deny_network() -> bool:
    """Install the filter in this process; ``True`` when it is in force."""
    found = _AUDIT_ARCH.get(platform.machine())
    if not sys.platform.startswith("linux") or found is None:
        return False
    program = _program(*found)
    raw = b"".join(struct.pack("HBBI", *op) for op in program)
    filters = ctypes.create_string_buffer(raw, len(raw))

    class _Fprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    fprog = _Fprog(len(program), ctypes.addressof(filters))
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        return False
    return bool(libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) == 0)
