# Whether a results folder still measures the scheduler in the tree: files under bpf/, dispatcher/, policies/ changed since its commit.
import subprocess

# What a measurement of luasched-fast depends on (the harness and docs may change without making it stale).
SCHEDULER_PATHS = ("bpf/", "dispatcher/", "policies/")
# Documentation kept beside the code (bpf/README.md) changes nothing that is measured.
DOC_SUFFIXES = (".md",)


def changed_since(root, rev):
    """Files under SCHEDULER_PATHS that differ between commit rev and the worktree at root (committed later,
    or not committed: modified or new), sorted; None when that cannot be told (no git, unknown commit)."""
    rev = (rev or "").split("+")[0]
    if not rev or rev == "unknown":
        return None

    def git(*args):
        return subprocess.run(["git", "-C", root, *args], capture_output=True, text=True, check=True).stdout
    try:
        git("cat-file", "-e", rev + "^{commit}")
        paths = [p.rstrip("/") for p in SCHEDULER_PATHS]
        out = set(git("diff", "--name-only", rev, "--", *paths).split())
        out |= set(git("ls-files", "--others", "--exclude-standard", "--", *paths).split())
    except (OSError, subprocess.CalledProcessError):
        return None
    return sorted(p for p in out if not p.endswith(DOC_SUFFIXES))


def status(root, rev):
    """(current: True/False/None, one line saying so and naming what changed)."""
    if rev and rev.endswith("+dirty"):
        return None, f"unknown whether current: it was built from uncommitted changes on top of {rev.split('+')[0]}"
    changed = changed_since(root, rev)
    if changed is None:
        return None, f"unknown whether current: commit {rev or 'not recorded'} cannot be compared with this tree"
    if not changed:
        return True, f"current: nothing under {', '.join(SCHEDULER_PATHS)} changed since its commit {rev}"
    shown = ", ".join(changed[:12]) + (f" and {len(changed) - 12} more" if len(changed) > 12 else "")
    return False, f"NOT CURRENT: changed since its commit {rev}: {shown}"
