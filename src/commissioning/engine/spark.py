"""The Spark session the engine's Spark paths run in (docs/national-scale.md).

Inside ``spark-submit``, a Databricks job or notebook, or any program that has already made a
session, that session is used as it is: its master, its executors and its configuration are
the cluster's. Otherwise a local one is made (``local[*]``, or ``COMMISSIONING_SPARK_MASTER``),
with the web UI off and ``COMMISSIONING_SPARK_DRIVER_MEMORY`` (default 4g) for the driver, and
kept for the process: a JVM takes seconds to start, so every caller shares it.
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

_lock = threading.Lock()


class SparkUnavailable(RuntimeError):
    """PySpark (or the Java it needs) is not installed."""


def session() -> SparkSession:
    """The active Spark session, or a local one made once for the process."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # pragma: no cover - the setup installs it
        raise SparkUnavailable(
            "the Spark engine needs PySpark: pip install 'commissioning[spark]' (and Java 17)"
        ) from exc
    with _lock:
        active = SparkSession.getActiveSession()
        if active is not None:
            return active
        builder = SparkSession.builder.appName("commissioning")
        # Launched by spark-submit (or Databricks), the launcher has set the master and the
        # gateway; only a plain Python process gets a local master.
        if "PYSPARK_GATEWAY_PORT" not in os.environ:
            cores = os.cpu_count() or 1
            master = os.environ.get("COMMISSIONING_SPARK_MASTER", "local[*]")
            builder = (
                builder.master(master)
                .config("spark.ui.enabled", "false")
                .config("spark.ui.showConsoleProgress", "false")
                .config(
                    "spark.driver.memory",
                    os.environ.get("COMMISSIONING_SPARK_DRIVER_MEMORY", "4g"),
                )
                .config("spark.sql.shuffle.partitions", str(max(2, 2 * cores)))
            )
            if master.startswith("local"):
                # Nothing outside this machine talks to a local driver.
                builder = builder.config("spark.driver.bindAddress", "127.0.0.1").config(
                    "spark.driver.host", "127.0.0.1"
                )
        spark = builder.getOrCreate()
        if "PYSPARK_GATEWAY_PORT" not in os.environ:
            spark.sparkContext.setLogLevel("ERROR")
        return spark
