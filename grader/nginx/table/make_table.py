"""Make directives.json beside this file from nginx's own binaries: the `ngx_command_t` table of
every module compiled into /usr/sbin/nginx and of every dynamic module (.so) the image ships.

nginx is linked so that dynamic modules can use its symbols, so `ngx_modules` and
`ngx_module_names` are in its dynamic symbol table, and so are the `ngx_conf_set_*_slot`
functions most directives are parsed by. Each module's `commands` array gives the directive's
name, the contexts and argument counts it is allowed (its `type` bits), its set function (a
name when nginx exports it, which says how the value is parsed), and for an enum or bitmask
slot the values it takes. Pointers in a position-independent binary are relocations, which
are applied here (R_X86_64_RELATIVE: the addend; R_X86_64_64: the symbol).

Run it against the nginx the grader is held to (scripts/setup-runtime.sh does, in the stand-in
image, and compares the result with the file in the repository):

    python -m grader.nginx.table.make_table ROOT [--out FILE] [--image nginx:1.30] [--check]

ROOT is the image's filesystem (or the files of Debian's nginx packages): the nginx binary
(usr/lib/nginx/sbin/nginx in the stand-in, behind its /usr/sbin/nginx wrapper; else
usr/sbin/nginx), the dynamic modules in usr/lib/nginx/modules/, and in usr/lib/nginx/builtin/
the modules the stand-in loads before the main file because the official build has them
compiled in (stream, mail); --builtin names more. Needs pyelftools (the `table` extra).

With --image, it also makes variables.json: nginx's built-in variables, read from the same
binaries (every module's variable array), plus the few names modules add in code, which the
image's own nginx confirms one by one (`nginx -t` of a config using each candidate).
"""

from __future__ import annotations

import argparse
import io
import json
import re
import struct
import sys
from pathlib import Path

PTR = 8
# ngx_module_t (src/core/ngx_module.h, NGX_MODULE_V1): ctx_index, index, name, spare0, spare1,
# version, signature, ctx, commands, type, ...
MODULE_COMMANDS, MODULE_TYPE = 8 * PTR, 9 * PTR
# ngx_command_t: ngx_str_t name (len, data), type, set, conf, offset, post
COMMAND_SIZE = 7 * PTR
MODULE_TYPES = {
    0x45524F43: "core",
    0x464E4F43: "conf",
    0x544E5645: "event",
    0x50545448: "http",
    0x4D525453: "stream",
    0x4C49414D: "mail",
}
# The context bits of a directive's type, by module type (ngx_conf_file.h, ngx_http_config.h,
# ngx_stream_config.h, ngx_mail.h, ngx_event.h).
CONTEXT_BITS = {
    "core": {0x01000000: "main"},
    "conf": {0xFF000000: "any"},
    "event": {0x02000000: "events"},
    "http": {
        0x02000000: "http",
        0x04000000: "server",
        0x08000000: "location",
        0x10000000: "upstream",
        0x20000000: "server_if",
        0x40000000: "location_if",
        0x80000000: "limit_except",
    },
    "stream": {0x02000000: "stream", 0x04000000: "server", 0x08000000: "upstream"},
    "mail": {0x02000000: "mail", 0x04000000: "server"},
}
ARG_BITS = {
    0x00000001: 0,
    0x00000002: 1,
    0x00000004: 2,
    0x00000008: 3,
    0x00000010: 4,
    0x00000020: 5,
    0x00000040: 6,
    0x00000080: 7,
}
BLOCK, FLAG, ANY, ONE_MORE, TWO_MORE, DIRECT = 0x100, 0x200, 0x400, 0x800, 0x1000, 0x10000
ENUM_SLOTS = {"ngx_conf_set_enum_slot", "ngx_conf_set_bitmask_slot"}


class Image:
    """An ELF file's memory as the loader lays it out, with its relocations applied."""

    def __init__(self, path: Path):
        from elftools.elf.elffile import ELFFile
        from elftools.elf.relocation import RelocationSection
        from elftools.elf.sections import SymbolTableSection

        self.path = path
        self.data = path.read_bytes()
        elf = ELFFile(io.BytesIO(self.data))
        self.segments = [
            (s["p_vaddr"], s["p_offset"], s["p_filesz"]) for s in elf.iter_segments() if s["p_type"] == "PT_LOAD"
        ]
        dynsym = elf.get_section_by_name(".dynsym")
        assert isinstance(dynsym, SymbolTableSection), f"{path}: no dynamic symbols"
        self.symbols: dict[str, int] = {}
        self.names: dict[int, str] = {}
        sym_list = list(dynsym.iter_symbols())
        for s in sym_list:
            if s.name and s["st_value"]:
                self.symbols[s.name] = s["st_value"]
                if s["st_info"]["type"] == "STT_FUNC":
                    self.names[s["st_value"]] = s.name
        # address -> ("addr", value) or ("sym", name, addend)
        self.relocs: dict[int, tuple] = {}
        for sec in elf.iter_sections():
            if not isinstance(sec, RelocationSection):
                continue
            for r in sec.iter_relocations():
                kind = r["r_info_type"]
                if kind == 8:  # R_X86_64_RELATIVE
                    self.relocs[r["r_offset"]] = ("addr", r["r_addend"])
                elif kind in (1, 6):  # R_X86_64_64, R_X86_64_GLOB_DAT
                    sym = sym_list[r["r_info_sym"]]
                    if sym["st_value"]:
                        self.relocs[r["r_offset"]] = ("addr", sym["st_value"] + r["r_addend"])
                    else:
                        self.relocs[r["r_offset"]] = ("sym", sym.name, r["r_addend"])

    def read(self, addr: int, size: int) -> bytes:
        for vaddr, offset, filesz in self.segments:
            if vaddr <= addr < vaddr + filesz:
                start = offset + addr - vaddr
                return self.data[start : start + size]
        return b"\0" * size  # .bss: zero until nginx runs

    def word(self, addr: int) -> int:
        return struct.unpack("<Q", self.read(addr, PTR))[0]

    def pointer(self, addr: int) -> tuple:
        """("addr", n), ("sym", name, addend) or ("null",)."""
        if addr in self.relocs:
            return self.relocs[addr]
        value = self.word(addr)
        return ("addr", value) if value else ("null",)

    def cstring(self, addr: int) -> str:
        out = bytearray()
        while True:
            chunk = self.read(addr + len(out), 64)
            end = chunk.find(b"\0")
            if end >= 0:
                out += chunk[:end]
                return out.decode("latin-1")
            out += chunk

    def string_at(self, ref: tuple) -> str | None:
        return self.cstring(ref[1]) if ref[0] == "addr" else None

    def function_name(self, ref: tuple) -> str | None:
        if ref[0] == "sym":
            return ref[1]
        if ref[0] == "addr":
            return self.names.get(ref[1])
        return None


def _values(img: Image, ref: tuple) -> list[str]:
    """An ngx_conf_enum_t or ngx_conf_bitmask_t list: {ngx_str_t name; ngx_uint_t value}."""
    out: list[str] = []
    if ref[0] != "addr":
        return out
    addr = ref[1]
    while True:
        length = img.word(addr)
        if not length:
            return out
        out.append(img.read(img.pointer(addr + PTR)[1], length).decode("latin-1"))
        addr += 3 * PTR


def _directive(img: Image, addr: int, mtype: str) -> dict:
    length = img.word(addr)
    name = img.read(img.pointer(addr + PTR)[1], length).decode("latin-1")
    bits = img.word(addr + 2 * PTR)
    setter = img.function_name(img.pointer(addr + 3 * PTR))
    contexts = sorted(c for bit, c in CONTEXT_BITS[mtype].items() if bits & bit == bit)
    if mtype == "core" and bits & DIRECT and not contexts:
        contexts = ["main"]
    args: list[int] | str
    if bits & ANY:
        args = "any"
    elif bits & FLAG:
        args = "flag"
    elif bits & ONE_MORE:
        args = "1+"
    elif bits & TWO_MORE:
        args = "2+"
    else:
        args = sorted(n for bit, n in ARG_BITS.items() if bits & bit)
    entry: dict = {"name": name, "contexts": contexts, "args": args}
    if bits & BLOCK:
        entry["block"] = True
    if setter:
        entry["set"] = setter
        if setter in ENUM_SLOTS:
            entry["values"] = _values(img, img.pointer(addr + 6 * PTR))
    return entry


def modules_of(path: Path) -> list[dict]:
    """Every module in one binary: its name, type and directives, in nginx's order."""
    img = Image(path)
    out = []
    modules, names = img.symbols["ngx_modules"], img.symbols["ngx_module_names"]
    i = 0
    while True:
        mref = img.pointer(modules + i * PTR)
        if mref[0] != "addr":
            break
        module = mref[1]
        name = img.string_at(img.pointer(names + i * PTR)) or f"module{i}"
        mtype = MODULE_TYPES.get(img.word(module + MODULE_TYPE) & 0xFFFFFFFF, "unknown")
        directives = []
        cref = img.pointer(module + MODULE_COMMANDS)
        if cref[0] == "addr" and mtype in CONTEXT_BITS:
            addr = cref[1]
            while img.word(addr):
                directives.append(_directive(img, addr, mtype))
                addr += COMMAND_SIZE
        out.append({"name": name, "type": mtype, "directives": directives})
        i += 1
    return out


# -- variables ----------------------------------------------------------------------------------
# ngx_http_variable_t and ngx_stream_variable_t: ngx_str_t name (len, data), set_handler,
# get_handler, data, flags, index. Modules keep theirs in arrays ended by a null entry, which
# ngx_http_variables_add_core_vars and the modules' preconfiguration walk; a few modules add one
# name in code (ngx_http_add_variable with a lone ngx_str_t).
VARIABLE_SIZE = 7 * PTR
_VAR_NAME = re.compile(rb"[a-z0-9_]+\Z")


def _variable(img: Image, addr: int) -> str | None:
    """The name of the variable entry at `addr`, or None when no entry is there."""
    length = img.word(addr)
    ref = img.pointer(addr + PTR)
    if not (1 <= length <= 64) or ref[0] != "addr":
        return None
    raw = img.read(ref[1], length + 1)
    if len(raw) < length + 1 or raw[length] != 0 or not _VAR_NAME.match(raw[:length]):
        return None
    set_handler = addr + 2 * PTR
    if set_handler not in img.relocs and img.word(set_handler):
        return None
    if addr + 3 * PTR not in img.relocs:  # every variable has a get handler
        return None
    flags, index = addr + 5 * PTR, addr + 6 * PTR
    if flags in img.relocs or img.word(flags) > 0x400 or index in img.relocs or img.word(index):
        return None
    return raw[:length].decode()


def _null_entry(img: Image, addr: int) -> bool:
    return all(img.word(addr + i * PTR) == 0 and addr + i * PTR not in img.relocs for i in range(7))


def variables_of(path: Path) -> set[str]:
    """The names in every variable array of one binary (a name ending in `_` is a prefix:
    http_, arg_, cookie_...). An array counts only whole, ended by its null entry."""
    img = Image(path)
    names: set[str] = set()
    seen: set[int] = set()
    for start in sorted(a - PTR for a, ref in img.relocs.items() if ref[0] == "addr"):
        if start in seen or _variable(img, start) is None:
            continue
        while _variable(img, start - VARIABLE_SIZE) is not None:
            start -= VARIABLE_SIZE
        addr, found = start, []
        while (name := _variable(img, addr)) is not None:
            seen.add(addr)
            found.append(name)
            addr += VARIABLE_SIZE
        if _null_entry(img, addr):
            names.update(found)
    return names


def lone_names(path: Path) -> set[str]:
    """Every ngx_str_t of the binary that could name a variable: the candidates for the names
    modules add in code. Most are not variables; nginx itself tells (verified_variables)."""
    img = Image(path)
    out = set()
    for addr, ref in img.relocs.items():
        if ref[0] != "addr":
            continue
        length = img.word(addr - PTR)
        if not (2 <= length <= 64):
            continue
        raw = img.read(ref[1], length + 1)
        if len(raw) == length + 1 and raw[length] == 0 and _VAR_NAME.match(raw[:length]):
            out.add(raw[:length].decode())
    return out


def verified_variables(image: str, names: set[str]) -> set[str]:
    """Of `names`, those nginx in `image` takes as a variable (`nginx -t` of a config that uses
    it, in http and in stream), all in one container without a network."""
    import subprocess

    script = (
        'cd /tmp; for v in "$@"; do '
        'printf \'events{} http{ server{ listen 8080; location / { return 200 "$%s"; } } }\' "$v" > h.conf; '
        'printf \'events{} stream{ server{ listen 9000; return "$%s"; } }\' "$v" > s.conf; '
        "for c in h s; do nginx -t -q -c /tmp/$c.conf -p /tmp/ -g 'pid /tmp/n.pid; error_log stderr;' "
        '>/dev/null 2>&1 && { echo "$v"; break; }; done; done; exit 0'
    )
    done = subprocess.run(
        ["docker", "run", "--rm", "--network", "none", "--entrypoint", "sh", image, "-c", script, "sh", *sorted(names)],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    return set(done.stdout.split())


def make_variables(root: Path, builtin: list[str], image: str | None) -> dict:
    """The variables nginx knows: those of its binary and built-in modules ("static"), and those of
    each dynamic module, which exist once load_module loads it. With `image`, the names modules
    add in code are asked of that image's nginx."""
    builtin = [*builtin, *(p.name for p in root.glob("usr/lib/nginx/builtin/*.so"))]
    static = variables_of(binary(root))
    dynamic: dict[str, list[str]] = {}
    for so in sorted(root.glob("usr/lib/nginx/**/*.so"), key=lambda p: p.name):
        found = variables_of(so)
        if so.name in builtin:
            static |= found
        elif found:
            dynamic[so.name] = sorted(found)
    if image is not None:
        # Digits are regex captures ($1) and a name under a prefix is the prefix's: nginx takes
        # both whatever the binary holds, so they are not asked.
        prefixes = tuple(n for n in static if n.endswith("_"))
        candidates = {n for n in lone_names(binary(root)) - static if not n.isdigit() and not n.startswith(prefixes)}
        static |= verified_variables(image, candidates)
    return {"nginx": nginx_version(root), "static": sorted(static), "dynamic": dynamic}


def binary(root: Path) -> Path:
    inner = root / "usr/lib/nginx/sbin/nginx"
    return inner if inner.exists() else root / "usr/sbin/nginx"


def nginx_version(root: Path) -> str:
    """The version string the binary carries ("nginx/1.30.6")."""
    import re

    m = re.search(rb"nginx/(\d+\.\d+\.\d+)", binary(root).read_bytes())
    return m.group(1).decode() if m else "unknown"


def make(root: Path, builtin: list[str]) -> dict:
    table: dict = {"nginx": nginx_version(root), "modules": []}
    for m in modules_of(binary(root)):
        table["modules"].append({**m, "static": True})
    builtin = [*builtin, *(p.name for p in root.glob("usr/lib/nginx/builtin/*.so"))]
    for so in sorted(root.glob("usr/lib/nginx/**/*.so"), key=lambda p: p.name):
        for m in modules_of(so):
            static = so.name in builtin
            table["modules"].append({**m, "static": static, **({} if static else {"file": so.name})})
    return table


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("root", type=Path)
    ap.add_argument("--out", type=Path, default=Path(__file__).with_name("directives.json"))
    ap.add_argument("--builtin", action="append", default=[])
    ap.add_argument("--check", action="store_true", help="compare with --out instead of writing it")
    ap.add_argument("--variables-out", type=Path, default=Path(__file__).with_name("variables.json"))
    ap.add_argument(
        "--image",
        help="the image whose nginx is asked which lone names are variables "
        "(nginx:1.30); without it the variables table is not made",
    )
    args = ap.parse_args(argv)
    if args.image:
        variables = make_variables(args.root, args.builtin, args.image)
        vtext = json.dumps(variables, indent=1) + "\n"
        if args.check:
            if args.variables_out.read_text() != vtext:
                print(
                    f"{args.variables_out} differs from the variables of {args.image}: run make_table.py again",
                    file=sys.stderr,
                )
                return 1
        else:
            args.variables_out.write_text(vtext)
            print(
                f"{args.variables_out}: {len(variables['static'])} variables, "
                f"{sum(map(len, variables['dynamic'].values()))} in dynamic modules"
            )
    table = make(args.root, args.builtin)
    text = json.dumps(table, indent=None, separators=(",", ":"), sort_keys=False) + "\n"
    text = text.replace('},{"name"', '},\n{"name"')  # one module or directive a line: reviewable diffs
    if args.check:
        if args.out.read_text() != text:
            print(f"{args.out} differs from the table of {args.root}: run make_table.py again", file=sys.stderr)
            return 1
        return 0
    args.out.write_text(text)
    count = sum(len(m["directives"]) for m in table["modules"])
    print(f"{args.out}: nginx {table['nginx']}, {len(table['modules'])} modules, {count} directives")
    return 0


if __name__ == "__main__":
    sys.exit(main())
