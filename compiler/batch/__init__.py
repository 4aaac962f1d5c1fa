"""Claims evaluated in bulk: records in, an engine, a sink out.

Everything that evaluates many claims goes through `run(source, engine, sink, jobs, on_progress)`
(`compiler.batch.run`): `rulesc eval`, the measured impact of `rulesc diff --input`, the Dask
tasks and the Spark recipe (`compiler.scale`). It reads an input (`compiler.inputs`) record by
record, evaluates each with the engine an engine source opens (`engines.py`: a generated
module's file, the pair of two packs in `pairs.py`, or the interpreter), and hands each record
and its result to a sink (`sinks.py`: JSON Lines, a tally of differences; `parquet.py`), in
input order, each exactly once. With `jobs` above 1 the work goes to worker processes
(`pool.py`, `worker.py`), which also parse the formats that split by line.

This layer sits below analysis and the backends: it imports the claim readers, the runtime and
the standard library only, so that worker processes stay small, and it knows nothing of rules.
"""

from compiler.batch import cache
from compiler.batch.engines import Engine, EngineSource, ModuleFile, ModuleFiles, load_module, module_files
from compiler.batch.results import Result, Summary, claim_id, result_line, result_of
from compiler.batch.run import BATCH, run
from compiler.batch.sinks import BadRecord, Collect, JsonLines, Sink, Tally

__all__ = [
    "BATCH",
    "BadRecord",
    "Collect",
    "Engine",
    "EngineSource",
    "JsonLines",
    "ModuleFile",
    "ModuleFiles",
    "Result",
    "Sink",
    "Summary",
    "Tally",
    "cache",
    "claim_id",
    "load_module",
    "module_files",
    "result_line",
    "result_of",
    "run",
]
