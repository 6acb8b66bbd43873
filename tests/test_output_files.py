"""`-o` / `--output` writes as `curl -o` does (issue 18.2): a symlink is followed, a special file is
written, not replaced; `-` is standard output; a directory is a one-line error."""

from __future__ import annotations

import os
import stat
import threading

import pytest

from sandbox.cliutil import write_file
from sandbox.errors import AwslabError


def _char_device(tmp_path):
    """A private character device with /dev/null's numbers (the real /dev/null must never be at
    risk in a test of this bug)."""
    if os.geteuid() != 0:
        pytest.skip("making a character device needs root")
    dev = tmp_path / "null"
    os.mknod(dev, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    return dev


def test_a_character_device_stays_a_character_device(tmp_path):
    dev = _char_device(tmp_path)
    write_file(str(dev), b"report")
    assert stat.S_ISCHR(os.lstat(dev).st_mode)


def test_a_fifo_is_written_not_replaced(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(open(fifo, "rb").read()))
    reader.start()
    write_file(str(fifo), "through the pipe\n")
    reader.join(10)
    assert got == [b"through the pipe\n"] and stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_a_symlink_is_followed(tmp_path):
    real = tmp_path / "real.json"
    real.write_text("old contents that are longer than the new ones")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    write_file(str(link), "{}")
    assert link.is_symlink() and real.read_text() == "{}"


def test_a_dangling_symlink_creates_its_target(tmp_path):
    link = tmp_path / "link.json"
    link.symlink_to(tmp_path / "made.json")
    write_file(str(link), "new")
    assert link.is_symlink() and (tmp_path / "made.json").read_text() == "new"


def test_dash_is_standard_output(capfdbinary):
    write_file("-", b"to stdout")
    assert capfdbinary.readouterr().out == b"to stdout"


def test_a_directory_is_a_one_line_error(tmp_path):
    with pytest.raises(AwslabError) as err:
        write_file(str(tmp_path), "x")
    assert str(tmp_path) in str(err.value) and "\n" not in str(err.value)
    assert tmp_path.is_dir()


def test_a_regular_file_is_replaced_whole(tmp_path):
    target = tmp_path / "report.txt"
    target.write_text("old")
    write_file(str(target), "new")
    assert target.read_text() == "new" and not list(tmp_path.glob(".*.tmp"))


def test_grade_output_to_a_device_keeps_the_device(cli, emulator, account_id, tmp_path):
    dev = _char_device(tmp_path)
    out = cli("grade", "s3-sqs-notification", "--format", "json", "--output", str(dev),
              "--account", account_id, "--endpoint", emulator.endpoint)
    assert out.returncode == 1, out.stderr  # a fresh account scores 0
    assert stat.S_ISCHR(os.lstat(dev).st_mode)
