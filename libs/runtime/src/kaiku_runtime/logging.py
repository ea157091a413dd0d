"""structlog JSON logging, configured once per process.

Logs bind `event_id`, `redemption_id` or `card_code` where they apply; never request bodies or
anything that could identify a holder (§11).

Every line is one JSON object (deploy/README.md, "Logs"): structlog's own calls and every stdlib logger
(uvicorn, FastStream, httpx, aiokafka, asyncpg...) go through one root handler whose `ProcessorFormatter`
adds the timestamp, level, logger name and the bound context (`request_id`, `consumer`...), and renders
an exception as a structured `exception` field, never a multi-line traceback.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog
from structlog.tracebacks import ExceptionDictTransformer
from structlog.typing import EventDict, Processor, WrappedLogger

# loggers that install their own (coloured, plain-text, non-propagating) handlers; theirs are removed
_OWN_HANDLERS = ("uvicorn", "faststream", "httpx", "httpcore", "aiokafka", "kafka", "asyncpg")
_UVICORN = ("uvicorn", "uvicorn.error", "uvicorn.access")
_NOISY = ("aiokafka", "kafka", "faststream", "uvicorn.access")
# FastStream's message context (passed as `extra`); other libraries' extras (uvicorn's `color_message`) stay out
_FASTSTREAM_EXTRAS = ("topic", "group_id", "message_id")

# frames without their locals: a local may hold a card holder's data (§11)
_exception_fields = structlog.processors.ExceptionRenderer(ExceptionDictTransformer(show_locals=False))


class _Service:
    """Names the service on every line, also those written outside a request or the lifespan's context."""

    def __init__(self, service: str | None) -> None:
        self.service = service

    def __call__(self, _logger: WrappedLogger, _name: str, event_dict: EventDict) -> EventDict:
        if self.service is not None:
            event_dict.setdefault("service", self.service)
        return event_dict


def _strip_event(_logger: WrappedLogger, _name: str, event_dict: EventDict) -> EventDict:
    # uvicorn's and the warnings module's messages end in a newline
    event = event_dict.get("event")
    if isinstance(event, str):
        event_dict["event"] = event.rstrip()
    return event_dict


def _fields(service: str | None) -> list[Processor]:
    return [
        structlog.contextvars.merge_contextvars,
        _Service(service),
        structlog.processors.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]


def json_formatter(service: str | None = None) -> structlog.stdlib.ProcessorFormatter:
    """The root handler's formatter: a stdlib record, or a structlog event, as one line of JSON.

    Also named by `uvicorn_log_config` (a `logging.config.dictConfig` factory)."""
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*_fields(service), _strip_event, structlog.stdlib.ExtraAdder(_FASTSTREAM_EXTRAS)],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            _exception_fields,
            structlog.processors.JSONRenderer(),
        ],
    )


def uvicorn_log_config(service: str, level: str = "INFO") -> dict[str, Any]:
    """uvicorn's `log_config` (or, dumped to a .json file, its `--log-config`): its own lines in JSON from
    the first one, before the lifespan runs `configure_logging`. Plain JSON values only."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": f"{__name__}.json_formatter", "service": service}},
        "handlers": {"stdout": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"}},
        "root": {"handlers": ["stdout"], "level": level.upper()},
        "loggers": {name: {"handlers": [], "propagate": True} for name in _UVICORN},
    }


def configure_logging(service: str, level: str = "INFO") -> None:
    log_level = logging.getLevelNamesMapping().get(level.upper(), logging.INFO)
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(json_formatter(service))
    root = logging.getLogger()
    for old in root.handlers[:]:
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    root.setLevel(log_level)
    for name in [n for n in logging.root.manager.loggerDict if n.split(".")[0] in _OWN_HANDLERS]:
        logger = logging.getLogger(name)
        for own in logger.handlers[:]:
            logger.removeHandler(own)
        logger.propagate = True
    for noisy in _NOISY:
        logging.getLogger(noisy).setLevel(max(log_level, logging.WARNING))
    logging.captureWarnings(True)  # a library's warning is a log line too, not stderr text
    structlog.configure(
        processors=[
            *_fields(service),
            _exception_fields,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(log_level),
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=True,
    )


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    logger: structlog.stdlib.BoundLogger = structlog.get_logger(name)
    return logger
