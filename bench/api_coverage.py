"""How much of PyTorch 2.13's public API the engine has, namespace by namespace.

    python3 bench/api_coverage.py            # rewrite the table in docs/engine.md
    python3 bench/api_coverage.py --check    # exit 1 if docs/engine.md is out of date
    python3 bench/api_coverage.py --refresh  # with real PyTorch installed: re-read its API
                                             # into engine/_torch_api.json, then rewrite

PyTorch's names come from a committed snapshot, engine/_torch_api.json (the engine reads it
too: a PyTorch name the engine lacks says so, see engine/_missing.py), so the table can be
checked without PyTorch installed.

"Public" means: no leading underscore, and defined by PyTorch for that namespace (names a
module merely imports, such as ``typing.Optional`` or ``torch.Tensor`` inside
``torch.nn.functional``, are not its API); ``torch.utils.data`` and ``torch.distributions``
take their ``__all__``. Of those, each row counts one kind of name (functions, classes, ...),
and EXCLUDED below lists, with the reason, what the engine deliberately leaves out: complex
and bfloat16 dtypes, sparse and quantized tensors, accelerator- and backend-specific kernels,
distributed training, TorchScript/compiler internals, and what PyTorch itself deprecates.
"""
import argparse
import importlib
import inspect
import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
SNAPSHOT = ROOT / "engine" / "_torch_api.json"
DOC = ROOT / "docs" / "engine.md"
START = "<!-- api-coverage:start (written by bench/api_coverage.py) -->"
END = "<!-- api-coverage:end -->"

# The namespaces read into the snapshot; those with a row below are counted, the others
# are there so that a missing name in them gets the engine's "not implemented" message.
NAMESPACES = ("torch", "torch.Tensor", "torch.nn", "torch.nn.functional", "torch.nn.init",
              "torch.linalg", "torch.special", "torch.fft", "torch.optim",
              "torch.optim.lr_scheduler", "torch.utils.data", "torch.distributions",
              "torch.autograd", "torch.cuda",
              # probed by scripts at the top (issue 12): only for the missing-name message
              "torch.accelerator", "torch.backends", "torch.backends.cpu", "torch.backends.cuda",
              "torch.backends.cudnn", "torch.backends.mha", "torch.backends.mkl",
              "torch.backends.mkldnn", "torch.backends.mps", "torch.backends.openmp",
              "torch.backends.opt_einsum", "torch.onnx", "torch.distributed",
              "torch.nn.parallel")
USES_ALL = {"torch.utils.data", "torch.distributions"}  # their public API is their __all__


class Row:
    def __init__(self, label, namespace, kinds, target=None):
        self.label, self.namespace, self.kinds, self.target = label, namespace, kinds, target


ANY = {"function", "class", "constant", "method", "attribute", "dtype", "module"}
ROWS = [  # targets: issue 12
    Row("`torch.*` functions", "torch", {"function"}, 85),
    Row("`Tensor` methods and attributes", "torch.Tensor", {"method", "attribute"}, 85),
    Row("`torch.nn` classes", "torch.nn", {"class"}, 90),
    Row("`torch.nn.functional`", "torch.nn.functional", {"function"}, 90),
    Row("`torch.nn.init`", "torch.nn.init", {"function"}),
    Row("`torch.linalg`", "torch.linalg", {"function", "class"}, 80),
    Row("`torch.special`", "torch.special", {"function"}, 80),
    Row("`torch.fft`", "torch.fft", {"function"}),
    Row("`torch.optim`", "torch.optim", {"class"}),
    Row("`torch.optim.lr_scheduler`", "torch.optim.lr_scheduler", {"class"}),
    Row("`torch.utils.data`", "torch.utils.data", ANY),
    Row("`torch.distributions`", "torch.distributions", ANY),
]


class Exclusion:
    """Names left out of the count for one reason: listed, or matched by a prefix or a
    substring, in the given namespaces."""

    def __init__(self, reason, namespaces, names=(), prefixes=(), contains=(), rule=None):
        self.reason, self.namespaces = reason, set(namespaces)
        self.names, self.prefixes, self.contains = set(names), tuple(prefixes), tuple(contains)
        self.rule = rule  # (name, api) -> bool, for what a list cannot say

    def matches(self, namespace, name, api):
        if namespace not in self.namespaces:
            return False
        return (name in self.names or name.startswith(self.prefixes)
                or any(part in name for part in self.contains)
                or (self.rule is not None and self.rule(name, api)))


TORCH_AND_TENSOR = ("torch", "torch.Tensor")
FFT_REAL = {"fftfreq", "rfftfreq", "fftshift", "ifftshift"}


def _functional_copy(name, api):
    """`view_copy`, `transpose_copy`...: copying variants of view ops, made for compilers
    (unlike `index_copy` or `narrow_copy`, ops of their own that are Tensor methods too)."""
    base = name[:-len("_copy")]
    return name.endswith("_copy") and name not in api["torch.Tensor"] and \
        (base in api["torch"] or base in api["torch.Tensor"])


EXCLUDED = [
    Exclusion("complex numbers (the engine has no complex dtypes)",
              ("torch", "torch.Tensor", "torch.linalg", "torch.fft"),
              names={"complex", "polar", "view_as_complex", "view_as_real", "imag", "cdouble",
                     "cfloat", "chalf", "eig", "eigvals", "stft", "istft"},
              rule=lambda name, api: name in api["torch.fft"] and name not in FFT_REAL),
    Exclusion("bfloat16 (the engine has no bfloat16 dtype)", ("torch.Tensor",),
              names={"bfloat16"}),
    Exclusion("sparse tensors", TORCH_AND_TENSOR + ("torch.optim",),
              contains=("sparse", "Sparse"),
              names={"dsmm", "hsmm", "hspmm", "smm", "spmm", "sspaddmm", "saddmm",
                     "ccol_indices", "coalesce", "col_indices", "crow_indices", "dense_dim",
                     "indices", "is_coalesced", "row_indices", "values"}),
    Exclusion("quantized tensors", TORCH_AND_TENSOR,
              prefixes=("q_", "fbgemm_"), contains=("quantize", "fake_quant"),
              names={"int_repr", "choose_qparams_optimized", "qscheme"}),
    Exclusion("backend-specific kernels (cuDNN, MIOpen, oneDNN, native_*) and other "
              "accelerators' devices and streams",
              TORCH_AND_TENSOR + ("torch.nn.functional",),
              prefixes=("cudnn_", "miopen_", "mkldnn_", "native_"),
              names={"is_vulkan_available", "to_mkldnn", "is_mkldnn", "is_vulkan", "ipu",
                     "mtia", "record_stream", "grouped_mm", "scaled_grouped_mm",
                     "scaled_mm"}),
    Exclusion("distributed training", TORCH_AND_TENSOR + ("torch.nn", "torch.utils.data"),
              prefixes=("batch_norm_backward_", "batch_norm_gather_stats"),
              names={"batch_norm_elemt", "batch_norm_stats", "batch_norm_update_stats",
                     "is_distributed", "SyncBatchNorm", "DistributedSampler"}),
    Exclusion("TorchScript, compiler control flow and symbolic shapes", ("torch",),
              prefixes=("sym_",),
              names={"import_ir_module", "import_ir_module_from_buffer", "parse_ir",
                     "parse_schema", "parse_type_comment", "merge_type_from_type_comment",
                     "unify_type_list", "fork", "wait", "compiled_with_cxx11_abi", "cond",
                     "while_loop"}),
    Exclusion("mixed-precision autocast state (accelerators and bfloat16)", ("torch",),
              prefixes=("autocast_", "get_autocast_", "set_autocast_", "is_autocast_"),
              names={"clear_autocast_cache"}),
    Exclusion("copying variants of view ops made for compilers (`*_copy`)", ("torch",),
              rule=_functional_copy),
    Exclusion("internal helpers that a public namespace happens to show",
              ("torch", "torch.nn.functional"),
              names={"classproperty", "prepare_multiprocessing_environment",
                     "profiler_allow_cudagraph_cupti_lazy_reinit_cuda12", "get_file_path",
                     "assert_int_or_pair"}),
    Exclusion("deprecated or removed by PyTorch", ("torch",),
              names={"chain_matmul", "cholesky", "ger", "lu", "lu_solve", "norm", "qr",
                     "range", "set_default_tensor_type", "svd", "triangular_solve", "eig",
                     "lstsq", "symeig", "solve", "matrix_rank"}),
    Exclusion("deprecated or removed by PyTorch", ("torch.Tensor",),
              names={"cholesky", "ger", "lu", "lu_solve", "norm", "qr", "svd",
                     "triangular_solve", "eig", "lstsq", "symeig", "solve", "matrix_power",
                     "storage", "storage_type", "resize", "reinforce", "volatile"}),
    Exclusion("deprecated or removed by PyTorch", ("torch.nn.functional",),
              names={"upsample", "upsample_bilinear", "upsample_nearest"}),
    Exclusion("deprecated or removed by PyTorch", ("torch.nn.init",),
              names={"constant", "dirac", "eye", "kaiming_normal", "kaiming_uniform", "normal",
                     "orthogonal", "sparse", "uniform", "xavier_normal", "xavier_uniform"}),
    Exclusion("deprecated or removed by PyTorch", ("torch.nn",),
              names={"Container", "NLLLoss2d", "UpsamplingBilinear2d", "UpsamplingNearest2d"}),
    Exclusion("deprecated or removed by PyTorch (DataPipes)", ("torch.utils.data",),
              names={"DFIterDataPipe", "DataChunk", "IterDataPipe", "MapDataPipe",
                     "functional_datapipe", "argument_validation",
                     "guaranteed_datapipes_determinism", "non_deterministic",
                     "runtime_validation", "runtime_validation_disabled"}),
]


# ---- reading PyTorch (only with --refresh) ---------------------------------------------------

def _kind(obj, torch):
    if inspect.ismodule(obj):
        return "module"
    if inspect.isclass(obj):
        return "class"
    if isinstance(obj, torch.dtype):
        return "dtype"
    if callable(obj):
        return "function"
    return "constant"


def _defined_by_torch(namespace, obj, kind):
    """Whether ``obj`` is part of ``namespace``'s API rather than something it imports."""
    if kind == "module":
        return obj.__name__.startswith("torch.")
    module = getattr(obj, "__module__", None)
    if kind == "constant":
        return namespace == "torch" and (module is None or module.startswith("torch")
                                         or type(obj).__module__ in ("builtins", "torch"))
    if module is None:
        return True
    if not isinstance(module, str) or not module.startswith("torch"):
        return False
    if kind == "class":  # its home is this namespace, or a private module PyTorch re-exports
        return namespace == "torch" or module.startswith((namespace, "torch._"))
    return module not in ("torch.overrides", "torch._jit_internal")


def read_torch_api():
    """{namespace: {name: "kind" or "class defining.module"}} of the installed PyTorch."""
    import torch
    import torch.nn.functional  # noqa: F401  (make sure every namespace is loaded)
    import torch.nn.init  # noqa: F401
    import torch.optim.lr_scheduler  # noqa: F401
    import torch.utils.data  # noqa: F401
    import torch.distributions  # noqa: F401
    import torch.onnx  # noqa: F401
    import torch.nn.parallel  # noqa: F401
    api = {}
    for namespace in NAMESPACES:
        holder = torch.Tensor if namespace == "torch.Tensor" else \
            importlib.import_module(namespace)
        names = holder.__all__ if namespace in USES_ALL else dir(holder)
        entries = {}
        for name in names:
            if name.startswith("_"):
                continue
            obj = getattr(holder, name)
            if namespace == "torch.Tensor":
                kind = "method" if inspect.isroutine(obj) else "attribute"
                entries[name] = kind
                continue
            kind = _kind(obj, torch)
            if namespace in USES_ALL or _defined_by_torch(namespace, obj, kind):
                entries[name] = f"class {obj.__module__}" if kind == "class" else kind
        api[namespace] = dict(sorted(entries.items()))
    return {"torch_version": torch.__version__, "namespaces": api}


# ---- comparing the engine ---------------------------------------------------------------------

def engine_holder(namespace):
    """The engine's counterpart of a PyTorch namespace, or None where it has none."""
    import engine
    if namespace == "torch.Tensor":
        return engine.Tensor
    try:
        return importlib.import_module("engine" + namespace[len("torch"):])
    except ModuleNotFoundError:
        return None


def engine_has(namespace, name):
    holder = engine_holder(namespace)
    if holder is None:
        return False
    if namespace == "torch.Tensor":  # instance attributes too (the class may hold defaults)
        import engine
        return hasattr(holder, name) or hasattr(engine.zeros(1), name)
    return hasattr(holder, name)


def exclusion_of(namespace, name, api):
    for exclusion in EXCLUDED:
        if exclusion.matches(namespace, name, api):
            return exclusion.reason
    return None


def coverage(snapshot):
    """One dict per row: covered / counted names, missing names, excluded names by reason."""
    api = snapshot["namespaces"]
    results = []
    for row in ROWS:
        counted, missing, excluded = [], [], {}
        for name, entry in api[row.namespace].items():
            if entry.split()[0] not in row.kinds:
                continue
            reason = exclusion_of(row.namespace, name, api)
            if reason is not None:
                excluded.setdefault(reason, []).append(name)
                continue
            counted.append(name)
            if not engine_has(row.namespace, name):
                missing.append(name)
        results.append({"row": row, "counted": counted, "missing": missing,
                        "excluded": excluded})
    return results


def _percent(covered, total):
    return f"{100.0 * covered / total:.1f}%" if total else "n/a"


def _names(names):
    return ", ".join(f"`{n}`" for n in names)


def render(snapshot, results):
    lines = [START, "",
             f"Measured against PyTorch {snapshot['torch_version']} "
             "(`python3 bench/api_coverage.py`; the names are in `engine/_torch_api.json`).",
             "",
             "| namespace | covered | counted | % | target | left out |",
             "|---|---|---|---|---|---|"]
    for r in results:
        row, total = r["row"], len(r["counted"])
        covered = total - len(r["missing"])
        target = f">= {row.target}%" if row.target else ""
        left_out = sum(len(v) for v in r["excluded"].values())
        lines.append(f"| {row.label} | {covered} | {total} | {_percent(covered, total)} | "
                     f"{target} | {left_out} |")
    lines += ["", "Missing names (each fails with \"torch.X is not implemented by this "
              "playground's engine (see the coverage list)\"):", ""]
    for r in results:
        if r["missing"]:
            lines += [f"<details><summary>{r['row'].label}: {len(r['missing'])} missing"
                      "</summary>", "", _names(r["missing"]), "", "</details>", ""]
    lines += ["Left out of the count on purpose (they stay missing names too):", ""]
    by_reason = {exclusion.reason: [] for exclusion in EXCLUDED}
    for r in results:
        for reason, names in r["excluded"].items():
            by_reason.setdefault(reason, []).append((r["row"].label, names))
    for reason, groups in by_reason.items():
        if not groups:
            continue
        parts = "; ".join(f"{label}: {_names(names)}" for label, names in groups)
        lines.append(f"- **{reason}**: {parts}")
    lines += ["", END]
    return "\n".join(lines)


def replace_section(doc, section):
    if START not in doc or END not in doc:
        raise SystemExit(f"{DOC} lacks the markers {START!r} and {END!r}")
    head, rest = doc.split(START, 1)
    return head + section + rest.split(END, 1)[1]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true",
                      help="fail if docs/engine.md does not show the current coverage")
    mode.add_argument("--refresh", action="store_true",
                      help="re-read the installed PyTorch's API into the snapshot first")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    if args.refresh:
        SNAPSHOT.write_text(json.dumps(read_torch_api(), indent=0) + "\n")
    snapshot = json.loads(SNAPSHOT.read_text())
    results = coverage(snapshot)
    doc = DOC.read_text()
    updated = replace_section(doc, render(snapshot, results))
    for r in results:
        total = len(r["counted"])
        print(f"{r['row'].label:34} {total - len(r['missing']):4} / {total:4}  "
              f"{_percent(total - len(r['missing']), total)}")
    if args.check:
        if updated != doc:
            print(f"{DOC.relative_to(ROOT)} is out of date: run python3 bench/api_coverage.py",
                  file=sys.stderr)
            return 1
        return 0
    DOC.write_text(updated)
    return 0


if __name__ == "__main__":
    sys.exit(main())
