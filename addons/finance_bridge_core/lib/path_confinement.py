"""Server-side folders only under the roots the server's administrator allowed.

A connection administrator types folder paths; the Odoo server reads, moves
and writes files there with its own rights. So every path is resolved
(symlinks, ``..``) and must lie under one of the roots of the server option
``finance_bridge_folder_roots``. At use time the folder is opened once and
checked through its descriptor; every file operation is then relative to that
descriptor and never follows a symbolic link, so a link planted after the
check leads nowhere.
"""
import errno
import os
import stat

from .errors import ConfigurationError, ProviderError

ROOTS_OPTION = "finance_bridge_folder_roots"
ROOTS_ENV = "FINANCE_BRIDGE_FOLDER_ROOTS"
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)


class PathConfinementError(ConfigurationError):
    """A path outside the allowed roots, or a symbolic link where none may be."""

    retryable = False


def parse_roots(value):
    """Roots from the option text: separated by commas or ``os.pathsep``; absolute, resolved."""
    roots = []
    for raw in str(value or "").replace(os.pathsep, ",").split(","):
        part = raw.strip()
        if not part:
            continue
        if not os.path.isabs(part):
            raise ConfigurationError(f"{ROOTS_OPTION}: {part!r} is not an absolute path")
        roots.append(os.path.realpath(part))
    return tuple(roots)


def _under(path, root):
    return path == root or os.path.commonpath((path, root)) == root


def confine(path, roots, what="folder"):
    """The resolved ``path`` if it lies under one of ``roots``; else a clear error."""
    if not roots:
        raise PathConfinementError(
            f"{what} {path!r} refused: no folder roots are configured. The server administrator must "
            f"list the folders the server may use in the option {ROOTS_OPTION} (Odoo configuration "
            f"file, or the environment variable {ROOTS_ENV}), e.g. {ROOTS_OPTION} = /srv/bank")
    if not path or not os.path.isabs(str(path)):
        raise PathConfinementError(f"{what} {path!r} refused: an absolute path is required")
    resolved = os.path.realpath(path)
    if not any(_under(resolved, root) for root in roots):
        shown = path if resolved == path else f"{path} (resolves to {resolved})"
        raise PathConfinementError(
            f"{what} {shown} refused: it is outside the folder roots allowed by the server option "
            f"{ROOTS_OPTION} ({', '.join(roots)})")
    return resolved


def _is_link(exc, name, dir_fd=None):
    """Whether an open with O_NOFOLLOW failed because ``name`` is a symbolic link."""
    if exc.errno == errno.ELOOP:
        return True
    try:
        return stat.S_ISLNK(os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode)
    except OSError:
        return False


def _fd_path(fd):
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return None


class ConfinedDir:
    """A folder under an allowed root, held open; names are single entries of it."""

    def __init__(self, fd, path, roots, what):
        self.fd, self.path, self.roots, self.what = fd, path, roots, what

    @classmethod
    def open(cls, path, roots, what="folder"):
        resolved = confine(path, roots, what)
        try:
            fd = os.open(resolved, _DIR_FLAGS)
        except OSError as exc:
            if _is_link(exc, resolved):
                raise PathConfinementError(f"{what} {path!r} was replaced by a symbolic link: refused") from None
            if exc.errno == errno.ENOENT:
                raise ProviderError(f"{what} {path!r} does not exist", retryable=True) from None
            if exc.errno == errno.ENOTDIR:
                raise ProviderError(f"{what} {path!r} is not a folder", retryable=True) from None
            raise ProviderError(f"{what} {path!r} cannot be opened: {exc.strerror}", retryable=True) from None
        # What was opened is checked, not what the name pointed to a moment earlier.
        held = cls(fd, resolved, roots, what)
        real = _fd_path(fd)
        same = os.path.samestat(os.fstat(fd), os.stat(resolved, follow_symlinks=False)) if real is None else None
        if (real is not None and not any(_under(real, root) for root in roots)) or same is False:
            held.close()
            raise PathConfinementError(f"{what} {path!r} moved outside the allowed roots ({ROOTS_OPTION}): refused")
        return held

    def close(self):
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _name(self, name):
        name = str(name)
        if name in ("", ".", "..") or "/" in name or os.sep in name or "\0" in name:
            raise PathConfinementError(f"{name!r} is not a plain file name of {self.path}: refused")
        return name

    def lstat(self, name):
        try:
            return os.stat(self._name(name), dir_fd=self.fd, follow_symlinks=False)
        except FileNotFoundError:
            return None

    def files(self, suffix=None, hidden=False):
        """Names of regular files (never symbolic links), sorted."""
        with os.scandir(self.fd) as entries:
            names = [e.name for e in entries if e.is_file(follow_symlinks=False)
                     and (hidden or not e.name.startswith(".")) and (not suffix or e.name.endswith(suffix))]
        return sorted(names)

    def read(self, name):
        name = self._name(name)
        try:
            fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0),
                         dir_fd=self.fd)
        except OSError as exc:
            if _is_link(exc, name, self.fd):
                raise PathConfinementError(
                    f"{os.path.join(self.path, name)} is a symbolic link: refused (only regular files are read)"
                ) from None
            raise
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise PathConfinementError(f"{os.path.join(self.path, name)} is not a regular file: refused")
            return handle.read()

    def subdir(self, name, create=True):
        """A sub-folder (``processed/``, ``failed/``), created if missing; a symbolic link is refused."""
        name = self._name(name)
        if create:
            try:
                os.mkdir(name, mode=0o750, dir_fd=self.fd)
            except FileExistsError:
                pass
        try:
            fd = os.open(name, _DIR_FLAGS, dir_fd=self.fd)
        except OSError as exc:
            reason = "is a symbolic link" if _is_link(exc, name, self.fd) else f"cannot be opened ({exc.strerror})"
            raise PathConfinementError(f"{os.path.join(self.path, name)} {reason}: refused") from None
        return ConfinedDir(fd, os.path.join(self.path, name), self.roots, self.what)

    def move(self, name, target):
        """Rename a regular file of this folder into ``target``; a link or a missing file is left alone."""
        name = self._name(name)
        info = self.lstat(name)
        if info is None:
            return False
        if not stat.S_ISREG(info.st_mode):
            raise PathConfinementError(f"{os.path.join(self.path, name)} is not a regular file: not moved")
        os.replace(name, name, src_dir_fd=self.fd, dst_dir_fd=target.fd)
        return True

    def write_atomic(self, name, data):
        """Write under a temporary name, fsync, rename: a reader never sees half a file."""
        name = self._name(name)
        temp = f".{name}.part"
        try:
            os.unlink(temp, dir_fd=self.fd)
        except FileNotFoundError:
            pass
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0),
                     0o640, dir_fd=self.fd)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, name, src_dir_fd=self.fd, dst_dir_fd=self.fd)
