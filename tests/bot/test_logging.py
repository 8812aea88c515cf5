"""The redacting filter: configured secrets, bearer tokens and JWTs never reach a log line."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from bot.logging_setup import QUIET_LIBRARIES, RedactingFilter, configure_logging
from bot.secret import Secret

SECRET = "s3cr3t~Value.Zq8Xw_unmistakable"
OTHER_SECRET = "another~Secret.Kp3Rt"
JWT = (
    "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9"
    ".eyJzdWIiOiIxMjM0NTY3ODkwIiwiYXVkIjoiYm90In0"
    ".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
)
OPAQUE_TOKEN = "EwBwA8l6BAAU.opaque-token_value=="


class Captured:
    def __init__(self, logger: logging.Logger, stream: io.StringIO) -> None:
        self.logger = logger
        self._stream = stream

    @property
    def text(self) -> str:
        return self._stream.getvalue()


@pytest.fixture
def captured(request: pytest.FixtureRequest) -> Iterator[Captured]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    handler.addFilter(RedactingFilter([Secret(SECRET), Secret(OTHER_SECRET), Secret(""), Secret("abc")]))
    # A logger of its own, so the test neither sees nor disturbs the root configuration.
    logger = logging.getLogger(f"tests.redaction.{request.node.name}")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    try:
        yield Captured(logger, stream)
    finally:
        logger.removeHandler(handler)


def test_secret_in_the_message_is_masked(captured: Captured) -> None:
    captured.logger.info(f"connecting with {SECRET} and {OTHER_SECRET}")
    assert SECRET not in captured.text
    assert OTHER_SECRET not in captured.text
    assert captured.text == "INFO connecting with ******** and ********\n"


def test_secret_in_percent_args_is_masked(captured: Captured) -> None:
    captured.logger.warning("token %s for %r", SECRET, {"password": OTHER_SECRET})
    assert SECRET not in captured.text
    assert OTHER_SECRET not in captured.text
    assert "for {'password': '********'}" in captured.text


def test_secret_in_mapping_args_is_masked(captured: Captured) -> None:
    captured.logger.info("secret=%(secret)s", {"secret": SECRET})
    assert captured.text == "INFO secret=********\n"


def test_secret_in_an_exception_traceback_is_masked(captured: Captured) -> None:
    def fail() -> None:
        try:
            raise KeyError(OTHER_SECRET)
        except KeyError as inner:
            raise RuntimeError(f"login failed with {SECRET}") from inner

    try:
        fail()
    except RuntimeError:
        captured.logger.exception("request failed")
    assert "Traceback" in captured.text
    assert "RuntimeError: login failed with ********" in captured.text
    # The chained cause is part of the traceback text too.
    assert "KeyError" in captured.text
    assert SECRET not in captured.text
    assert OTHER_SECRET not in captured.text


@pytest.mark.parametrize(
    "line",
    [
        f"Authorization: Bearer {OPAQUE_TOKEN}",
        f"headers={{'Authorization': 'bearer {OPAQUE_TOKEN}'}}",
        f"BEARER\t{OPAQUE_TOKEN}",
    ],
)
def test_bearer_tokens_are_masked(captured: Captured, line: str) -> None:
    captured.logger.debug(line)
    assert OPAQUE_TOKEN not in captured.text
    assert "********" in captured.text


def test_jwt_looking_strings_are_masked_wherever_they_appear(captured: Captured) -> None:
    captured.logger.info("claims in %s; url=https://x.example/?id_token=%s", JWT, JWT)
    assert JWT not in captured.text
    assert "eyJ" not in captured.text
    assert captured.text.count("********") == 2


def test_ordinary_text_is_left_alone(captured: Captured) -> None:
    captured.logger.info("turn %s from %s took %.1f ms", "a1b2", "abc", 12.34)
    # "abc" is configured too, but secrets shorter than four characters would mask ordinary words everywhere.
    assert captured.text == "INFO turn a1b2 from abc took 12.3 ms\n"


def test_a_bad_log_call_does_not_crash_the_caller(captured: Captured) -> None:
    # Plain logging reports a bad format on stderr and carries on; the filter must not turn it into an exception
    # in the caller (and must still redact what it can show).
    captured.logger.error("two placeholders %s %s, one value", SECRET)
    assert "two placeholders" in captured.text
    assert SECRET not in captured.text


def test_every_handler_sees_the_redacted_record(captured: Captured) -> None:
    second = io.StringIO()
    plain = logging.StreamHandler(second)  # no filter of its own
    captured.logger.addHandler(plain)
    try:
        captured.logger.info("value %s", SECRET)
    finally:
        captured.logger.removeHandler(plain)
    # The filtering handler ran first and froze the message, so the unfiltered one cannot re-expand the args.
    assert SECRET not in second.getvalue()


def test_configure_logging_installs_the_filter() -> None:
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    noisy = [logging.getLogger(name) for name in ("msal", "azure", "urllib3", "apscheduler.executors")]
    saved_noisy = [logger.level for logger in noisy]
    try:
        configure_logging("INFO", [Secret(SECRET)])
        [handler] = root.handlers
        stream = io.StringIO()
        assert isinstance(handler, logging.StreamHandler)
        handler.setStream(stream)
        logging.getLogger("tests.redaction.configured").info("value %s", SECRET)
        assert SECRET not in stream.getvalue()
        assert "value ********" in stream.getvalue()
        assert logging.getLogger("azure").level == logging.WARNING
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
        for logger, level in zip(noisy, saved_noisy, strict=True):
            logger.setLevel(level)


def test_libraries_that_log_what_people_typed_stay_quiet_even_at_debug() -> None:
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    quiet = [logging.getLogger(name) for name in QUIET_LIBRARIES]
    saved_quiet = [logger.level for logger in quiet]
    try:
        configure_logging("DEBUG", [])
        # aiosqlite logs each statement's parameters at DEBUG: a concern's or a reflection's words among them.
        assert "aiosqlite" in QUIET_LIBRARIES
        assert all(logger.level == logging.WARNING for logger in quiet)
        assert not logging.getLogger("aiosqlite").isEnabledFor(logging.DEBUG)
        assert logging.getLogger("programme.concerns").isEnabledFor(logging.DEBUG)
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
        for logger, level in zip(quiet, saved_quiet, strict=True):
            logger.setLevel(level)
