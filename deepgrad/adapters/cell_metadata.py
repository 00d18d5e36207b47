"""nbgrader's ``CheckCellMetadata``, with its JSON schema checked once per process, not per cell.

nbgrader validates each cell's ``nbgrader`` metadata with ``jsonschema.validate(metadata,
schema)``, which first checks the *schema* against its meta-schema, on every call: a
notebook of 70 cells, checked twice in each submission's autograde pass (and once more when its job
is made), re-checks the same constant schema some 200 times, seconds of a grading run's serial
part. Here each schema is checked once and its validator kept; every cell is validated by the
same rules, with the same errors, as nbgrader's.
"""
from __future__ import annotations

import functools
import json
import traceback

from jsonschema import validators
from jsonschema.exceptions import best_match
from nbgrader.nbgraderformat import MetadataValidator, ValidationError
from nbgrader.nbgraderformat.common import BaseMetadataValidator, SchemaTooNewError, SchemaTooOldError
from nbgrader.preprocessors import CheckCellMetadata as NbgraderCheckCellMetadata


@functools.cache
def _validator(schema_text: str):
    schema = json.loads(schema_text)
    cls = validators.validator_for(schema)
    cls.check_schema(schema)  # what jsonschema.validate does first on every call
    return cls(schema)


class _SchemaCheckedOnce(BaseMetadataValidator):
    """``BaseMetadataValidator.validate_cell`` (nbgrader 0.9) with a kept validator: the same
    schema-version checks, then the errors ``jsonschema.validate`` would raise (its best match)."""

    def validate_cell(self, cell) -> None:
        if "nbgrader" not in cell.metadata:
            return
        schema = cell.metadata["nbgrader"].get("schema_version", 0)
        if schema < self.schema_version:
            raise SchemaTooOldError(f"Outdated schema version: {schema} (expected {self.schema_version})",
                                    schema, self.schema_version)
        if schema > self.schema_version:
            raise SchemaTooNewError(f"Schema version is too new: {schema} (expected {self.schema_version})",
                                    schema, self.schema_version)
        if getattr(self, "_kept", None) is None:
            self._kept = _validator(json.dumps(self.schema))
        error = best_match(self._kept.iter_errors(cell.metadata["nbgrader"]))
        if error is not None:
            raise error


class CellMetadataValidator(MetadataValidator, _SchemaCheckedOnce):
    """nbgrader's current ``MetadataValidator`` (its own checks of grade ids, points, cell types)
    over :class:`_SchemaCheckedOnce` in place of its base's per-call ``jsonschema.validate``."""


class CheckCellMetadata(NbgraderCheckCellMetadata):
    """nbgrader's ``CheckCellMetadata`` preprocessor, validating with :class:`CellMetadataValidator`."""

    def preprocess(self, nb, resources):
        try:
            CellMetadataValidator().validate_nb(nb)
        except ValidationError:
            self.log.error(traceback.format_exc())
            msg = "Notebook failed to validate; the nbgrader metadata may be corrupted."
            self.log.error(msg)
            raise ValidationError(msg)
        return nb, resources
