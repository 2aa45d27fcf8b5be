"""A single-node SLURM cluster on loopback, for the test of profiles/slurm.

Debian's slurm-wlm and munge (`make slurm`), run as root: munged, slurmctld and
`slurmd -N localhost` (the node is called localhost whatever the hostname is). The
configuration, munge key and socket, state, spool and logs all live in one temporary
directory; the daemons are this module's children and are stopped by PID.

One thing cannot come from that directory: the jobstep plugin clears SLURM_* variables,
SLURM_CONF among them, before the `srun` that it runs inside each job, so `srun` reads
/etc/slurm/slurm.conf, as on a real cluster. slurmd therefore runs in a mount namespace
of its own, where the temporary configuration directory is bind-mounted on /etc/slurm:
its jobs see the test's slurm.conf, and the machine's /etc/slurm is left as it is.
"""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

COMMANDS = ("munged", "slurmctld", "slurmd", "sbatch", "squeue", "sinfo", "scancel", "srun", "unshare", "mount")
READY_TIMEOUT = 30


class SetupError(RuntimeError):
    """The cluster did not come up here."""


def unsupported() -> str | None:
    """Why no cluster can be started on this machine at all, or None."""
    if not Path("/proc/self/mountinfo").exists():
        return "needs Linux"
    if os.geteuid() != 0:
        return "needs root: slurmd starts each job as its owner, and mount namespaces need root"
    return None


def missing_commands() -> list[str]:
    return [name for name in COMMANDS if shutil.which(name) is None]


class Cluster:
    def __init__(self, root: Path):
        self.root = root
        self.conf = root / "etc" / "slurm.conf"
        # Client commands (sbatch, squeue, ...) find the configuration through this.
        self.env = {**os.environ, "SLURM_CONF": str(self.conf)}
        self.daemons: list[tuple[str, subprocess.Popen]] = []

    def run(self, *args: str) -> str:
        return subprocess.run(args, env=self.env, capture_output=True, text=True, check=True, timeout=30).stdout

    def jobs(self) -> list[dict]:
        """Every job the controller still lists: id, state and the plugin's comment
        (rule_<rule>_wildcards_<...> or rule_<group>_<rules>)."""
        out = self.run("squeue", "--states=all", "--noheader", "--format=%i|%T|%k")
        return [dict(zip(("id", "state", "comment"), line.split("|", 2))) for line in out.splitlines() if line]

    def logs(self) -> str:
        parts = []
        for path in sorted((self.root / "log").glob("*")):
            parts.append(f"--- {path.name}\n" + "\n".join(path.read_text(errors="replace").splitlines()[-15:]))
        return "\n".join(parts)

    def _start(self, name: str, args: list[str]) -> None:
        log = open(self.root / "log" / f"{name}.out", "w")
        self.daemons.append((name, subprocess.Popen(args, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                                    stdin=subprocess.DEVNULL)))
        log.close()

    def _wait_for(self, what: str, ready) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            for name, proc in self.daemons:
                if proc.poll() is not None:
                    raise SetupError(f"{name} exited with {proc.returncode}\n{self.logs()}")
            try:
                if ready():
                    return
            except (OSError, subprocess.SubprocessError):
                pass
            time.sleep(0.2)
        raise SetupError(f"{what} not ready after {READY_TIMEOUT} s\n{self.logs()}")

    def start(self) -> None:
        root = self.root
        for sub, mode in (("etc", 0o755), ("munge", 0o755), ("munge-key", 0o700), ("state", 0o700),
                          ("spool", 0o755), ("log", 0o755)):
            (root / sub).mkdir(mode=mode)
        key = root / "munge-key" / "munge.key"
        key.write_bytes(os.urandom(1024))
        key.chmod(0o400)
        munge_socket = root / "munge" / "munge.socket"
        self._start("munged", ["munged", "--foreground", f"--socket={munge_socket}", f"--key-file={key}",
                               f"--pid-file={root / 'munge' / 'munged.pid'}",
                               f"--log-file={root / 'log' / 'munged.log'}", f"--seed-file={root / 'munge' / 'seed'}"])
        self._wait_for("munged", munge_socket.exists)
        self.conf.write_text(slurm_conf(root, munge_socket))
        self._start("slurmctld", ["slurmctld", "-D", "-f", str(self.conf)])
        if not Path("/etc/slurm").is_dir():
            raise SetupError("/etc/slurm is missing: slurm-wlm installs it, and jobs read slurm.conf from there")
        self._start("slurmd", ["unshare", "--mount", "--propagation", "private", "sh", "-c",
                               'mount --bind "$1" /etc/slurm && exec slurmd -D -N localhost -f "$2"',
                               "sh", str(self.conf.parent), str(self.conf)])
        self._wait_for("node localhost", lambda: self.run("sinfo", "--noheader", "--Node", "--format=%T").strip() == "idle")

    def stop(self) -> None:
        """Cancel what is left of the jobs, then stop the daemons, newest first, by PID."""
        if any(proc.poll() is None for name, proc in self.daemons if name == "slurmctld"):
            try:
                live = [job["id"] for job in self.jobs() if job["state"] in ("PENDING", "RUNNING", "CONFIGURING")]
                if live:
                    self.run("scancel", *live)
                    deadline = time.monotonic() + 15
                    while time.monotonic() < deadline and any(
                            job["state"] in ("RUNNING", "COMPLETING") for job in self.jobs()):
                        time.sleep(0.5)
            except (OSError, subprocess.SubprocessError):
                pass
        for _name, proc in reversed(self.daemons):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def slurm_conf(root: Path, munge_socket: Path) -> str:
    mem_mb = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal:"))) // 1024
    return f"""\
# Written by tests/slurm_cluster.py for one test run.
ClusterName=riclpmtest
SlurmctldHost=localhost
SlurmctldPort={free_port()}
SlurmdPort={free_port()}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={munge_socket}
StateSaveLocation={root / 'state'}
SlurmdSpoolDir={root / 'spool'}
SlurmctldPidFile={root / 'state' / 'slurmctld.pid'}
SlurmdPidFile={root / 'spool' / 'slurmd.pid'}
SlurmctldLogFile={root / 'log' / 'slurmctld.log'}
SlurmdLogFile={root / 'log' / 'slurmd.log'}
# No cgroups: processes tracked through /proc, tasks not confined.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
# CPUs and memory are both consumable, so jobs that ask for part of the node share it.
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
# No slurmdbd: the profile's status command is squeue, which lists a finished job for
# MinJobAge seconds; an hour keeps every job of the run listed for the test to count.
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
MinJobAge=3600
ReturnToService=2
KillWait=5
NodeName=localhost CPUs={os.cpu_count()} RealMemory={mem_mb * 9 // 10} State=UNKNOWN
PartitionName=test Nodes=localhost Default=YES MaxTime=INFINITE State=UP
"""


@contextmanager
def single_node_cluster():
    # munged wants every directory above its socket open to all, which pytest's 0700
    # temporary base is not.
    root = Path(tempfile.mkdtemp(prefix="riclpm-slurm-"))
    root.chmod(0o755)
    cluster = Cluster(root)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(root, ignore_errors=True)
