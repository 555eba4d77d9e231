"""The models one worker serves, by name: each a predictor of its own (its own batching queue and cost model),
one of them the default that answers requests that name none."""

import logging
from collections.abc import Iterator

from sentiment_service.predictor.contract import ModelInfo, Overloaded, Predictor, PredictorError

log = logging.getLogger("sentiment_service")


class UnknownModel(PredictorError):
    """A request named a model this service does not serve."""

    def __init__(self, name: str, known: list[str]):
        super().__init__(f"no model named {name!r}; this service serves {', '.join(known)}")
        self.name = name


def chosen_default(names: list[str], default: str | None) -> str:
    """The model that answers requests naming none: `default`, or the only one. Raises ValueError for two models of
    one name, a default that names none of them, or several models and no default."""
    if not names:
        raise ValueError("no model to serve")
    if len(set(names)) < len(names):
        twice = sorted({name for name in names if names.count(name) > 1})
        raise ValueError(f"two model directories have the same name in their manifests: {', '.join(twice)}")
    if default is None and len(names) > 1:
        raise ValueError(f"several models ({', '.join(names)}): set DEFAULT_MODEL to one of them")
    default = default or names[0]
    if default not in names:
        raise ValueError(f"DEFAULT_MODEL={default!r} is not among the models ({', '.join(names)})")
    return default


class ModelSet:
    """Predictors by the name in their manifest; raises ValueError as chosen_default() does."""

    def __init__(self, predictors: list[Predictor], default: str | None = None):
        self.default_name = chosen_default([p.info.name for p in predictors], default)
        self._by_name: dict[str, Predictor] = {p.info.name: p for p in predictors}
        # Why each model that failed to load failed, by name (/ready answers 503 with it).
        self.load_errors: dict[str, str] = {}

    @property
    def names(self) -> list[str]:
        return list(self._by_name)

    def __iter__(self) -> Iterator[Predictor]:
        return iter(self._by_name.values())

    @property
    def default(self) -> Predictor:
        return self._by_name[self.default_name]

    def infos(self) -> list[ModelInfo]:
        return [predictor.info for predictor in self]

    def select(self, name: str | None) -> Predictor:
        """The predictor of the model named `name`, or the default for None; raises UnknownModel."""
        if name is None:
            return self.default
        try:
            return self._by_name[name]
        except KeyError:
            raise UnknownModel(name, self.names) from None

    def refuse_early(self, body_bytes: int, max_text_chars: int) -> None:
        """Raise Overloaded when no model could admit a request body of this size now (the body, not read yet,
        may name any of them)."""
        refusals = []
        for predictor in self:
            try:
                predictor.refuse_early(body_bytes, max_text_chars)
            except Overloaded as exc:
                refusals.append(exc)
            else:
                return
        raise refusals[0]

    def load(self) -> None:
        """Load every model; a failure is kept in load_errors (so /ready says why) instead of raised."""
        for name, predictor in self._by_name.items():
            try:
                predictor.load()
                log.info("model ready", extra={"model": name, "model_version": predictor.info.version})
            except PredictorError as exc:
                self.load_errors[name] = str(exc)
                log.error("model failed to load", extra={"model": name, "error": str(exc)})
            except Exception as exc:  # an unexpected failure must still leave /ready answering 503, not hang
                self.load_errors[name] = f"unexpected error while loading the model: {exc!r}"
                log.exception("model failed to load", extra={"model": name})

    @property
    def ready(self) -> bool:
        return all(predictor.ready for predictor in self)

    def close(self) -> None:
        """Finish what every predictor accepted and stop them."""
        for predictor in self:
            predictor.close()
