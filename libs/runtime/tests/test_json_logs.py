"""Every log line is one JSON object (deploy/README.md, "Logs"): stdlib loggers and structlog alike."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
import uuid
from typing import Any

import pytest
import structlog
from kaiku_runtime.logging import json_formatter, uvicorn_log_config

pytestmark = pytest.mark.unit


def json_lines(text: str) -> list[dict[str, Any]]:
    """Each line parsed; the first one that is not a JSON object fails the test, named."""
    parsed: list[dict[str, Any]] = []
    for number, line in enumerate(text.splitlines(), 1):
        try:
            value = json.loads(line)
        except ValueError:
            pytest.fail(f"line {number} is not JSON: {line!r}")
        assert isinstance(value, dict), f"line {number} is not a JSON object: {line!r}"
        parsed.append(value)
    return parsed


def _fail(holder_name: str) -> None:
    raise RuntimeError("broken")


def test_the_formatter_renders_a_stdlib_record_and_its_exception_as_one_json_line() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(json_formatter("usage"))
    logger = logging.getLogger(f"httpx.test-{uuid.uuid4().hex[:6]}")
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.INFO)
    try:
        with structlog.contextvars.bound_contextvars(request_id="t-4711", consumer="card-registry"):
            # uvicorn's coloured variant of its message rides in `extra`; FastStream's message context too
            logger.info("HTTP Request: %s %s", "GET", "/v1/x", extra={"color_message": "\x1b[1mGET", "topic": "t1"})
            try:
                _fail("Maija Meikäläinen")
            except RuntimeError:
                logger.exception("upstream failed")
    finally:
        logger.removeHandler(handler)
    text = stream.getvalue()
    assert "\x1b" not in text, "no ANSI colours"
    assert "Meikäläinen" not in text, "tracebacks carry no locals (they may hold personal data)"
    request, failed = json_lines(text)
    assert request["event"] == "HTTP Request: GET /v1/x"
    assert request["level"] == "info"
    assert request["logger"] == logger.name
    assert request["timestamp"].endswith("Z")
    assert (request["service"], request["request_id"], request["consumer"]) == ("usage", "t-4711", "card-registry")
    assert request["topic"] == "t1"
    assert "color_message" not in request
    assert failed["level"] == "error"
    [exception] = failed["exception"]
    assert (exception["exc_type"], exception["exc_value"]) == ("RuntimeError", "broken")
    assert [frame["name"] for frame in exception["frames"]][-1] == "_fail"
    assert all("locals" not in frame or frame["locals"] is None for frame in exception["frames"])


def test_uvicorn_log_config_is_plain_json_for_its_log_config_file() -> None:
    config = uvicorn_log_config("issuance", "warning")
    assert json.loads(json.dumps(config)) == config
    assert config["root"]["level"] == "WARNING"
    assert config["disable_existing_loggers"] is False


# Its own interpreter: configuring logging here would leave other tests' cached loggers writing to this
# test's captured (then closed) stdout (tests/deploy/test_observability.py).
PROCESS = """
import json, logging, logging.config, warnings
import structlog
from kaiku_runtime.logging import configure_logging, get_logger, uvicorn_log_config

# as `kaiku serve` starts: uvicorn's log config first, then the app's imports, then the lifespan
logging.config.dictConfig(json.loads(json.dumps(uvicorn_log_config("usage"))))
logging.getLogger("uvicorn.error").info("Started server process [%d]", 42, extra={"color_message": "\x1b[36m42"})
import faststream  # installs its own coloured handler on `faststream`
from faststream.kafka import KafkaBroker
KafkaBroker("127.0.0.1:1", logger=logging.getLogger("faststream.access.kafka"))
configure_logging("usage", "INFO")

logging.getLogger("faststream").warning("faststream says")
logging.getLogger("faststream.access.kafka").warning(
    "Received", extra={"topic": "kaiku.cards.v1", "group_id": "usage-card-registry", "message_id": "m1"}
)
logging.getLogger("uvicorn.error").warning("Invalid HTTP request received.")
logging.getLogger("httpx").info('HTTP Request: GET http://issuance/v1/cards "HTTP/1.1 200 OK"')
logging.getLogger("aiokafka").error("Unable connect to node")
logging.getLogger("asyncpg").warning("pool warning")
warnings.warn("a library's deprecation", DeprecationWarning, stacklevel=1)
log = get_logger("kaiku_usage.test")
with structlog.contextvars.bound_contextvars(request_id="r-1"):
    log.info("card_registered", card_code="E123")
    try:
        raise ValueError("bad batch")
    except ValueError:
        log.exception("consumer_batch_failed", consumer="card-registry")
        logging.getLogger("uvicorn.error").exception("Exception in ASGI application\\n")
"""


def test_every_stdlib_logger_and_structlog_write_json_lines_with_the_bound_context() -> None:
    done = subprocess.run(
        [sys.executable, "-W", "default", "-c", PROCESS], capture_output=True, text=True, check=False, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == "", "nothing escapes to stderr as text"
    lines = json_lines(done.stdout)
    assert "\x1b" not in done.stdout
    by_event = {line["event"]: line for line in lines}
    for line in lines:
        assert {"timestamp", "level", "logger", "event"} <= line.keys(), line
        assert line["service"] == "usage", line
    assert by_event["Started server process [42]"]["logger"] == "uvicorn.error"
    assert by_event["faststream says"]["logger"] == "faststream"
    received = by_event["Received"]
    assert (received["topic"], received["group_id"], received["message_id"]) == (
        "kaiku.cards.v1",
        "usage-card-registry",
        "m1",
    )
    assert by_event["Invalid HTTP request received."]["level"] == "warning"
    assert 'HTTP Request: GET http://issuance/v1/cards "HTTP/1.1 200 OK"' in by_event
    assert by_event["Unable connect to node"]["logger"] == "aiokafka"
    assert by_event["pool warning"]["logger"] == "asyncpg"
    [warning] = [line for line in lines if line["logger"] == "py.warnings"]
    assert warning["event"].endswith("DeprecationWarning: a library's deprecation"), "no trailing newline"
    registered = by_event["card_registered"]
    assert (registered["request_id"], registered["card_code"], registered["logger"]) == (
        "r-1",
        "E123",
        "kaiku_usage.test",
    )
    failed = by_event["consumer_batch_failed"]
    assert (failed["level"], failed["consumer"], failed["request_id"]) == ("error", "card-registry", "r-1")
    assert failed["exception"][0]["exc_type"] == "ValueError"
    asgi = by_event["Exception in ASGI application"]
    assert asgi["exception"][0]["exc_value"] == "bad batch"
    assert asgi["request_id"] == "r-1"
