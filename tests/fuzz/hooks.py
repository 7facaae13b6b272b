"""Schemathesis hooks for `make fuzz` (issue #14 item 9).

Schemathesis' own `positive_data_acceptance` fails any 4xx other than
401/403/404/409/429 on a schema-valid request. A JSON Schema cannot know what
is stored, so some refusals of well-formed requests are right: a cursor that
this list never gave out, an ETag that is not the record's, a user id that does
not exist. This check replaces it and is stricter where it matters: a
schema-valid request refused for its *shape* (a length, a pattern, a type, a
range, a required field, an unknown enum word) fails the run, because then the
document and the validation disagree. A refusal passes only when the problem
body names one of the reasons below, each of which depends on stored data or on
a relation the document states in words.
"""

import schemathesis

# Problem codes (`code`) that are about stored state, never about the shape.
STATE_PROBLEMS = {
    "stale_version",  # If-Match names another version than the stored one
    "invalid_cursor",  # a cursor this list never handed out
    "idempotency_key_reused",  # the key was used before with another body
    "idempotency_in_progress",
    "daily_cap_reached",
    "pool_limit",  # how many customers the caller holds, or a recent loss of this one
    "unsupported_media_type",  # an upload's type against the accepted types, an organisation setting
}

# Field error codes (`errors[].code`) that are about stored state or about
# relations between fields that OpenAPI cannot express for query parameters.
STATE_FIELD_CODES = {
    "not_found",  # a referenced record that does not exist (or is out of scope)
    "transition",  # a status change the record's current status does not allow
    "tree",  # a parent that does not exist, or a cycle
    "not_owned",  # a record that is not (or no longer) the named user's
    "owner",  # the user named is the record's owner (who needs no membership)
    "open",  # the deal is still open (a case is written once it is won or lost)
    "depends_on",  # a field that needs another, or a value relative to another's (e.g. `to` after `from`)
    "relation",  # a rule between values that JSON Schema cannot state (mentor is not mentee)
    "checksum",  # a credit code's check character (the pattern gives length and alphabet)
    "organisation_currency",  # amounts in the organisation's currency, a stored setting
    "future",  # a time that may not lie after now (an activity that happened)
    "time_zone",  # a name the IANA database holds (the pattern gives its shape)
    "address",  # a URL host the server does not send to (loopback, private, ...), as written or resolved
}


# The admin whose token the run uses (the first user). Changing its password,
# role or activity would end the session and leave the rest of the run at 401.
FUZZING_ADMIN = 1


@schemathesis.hook
def filter_path_parameters(ctx, path_parameters):
    path = ctx.operation.path if ctx.operation is not None else ""
    if path.startswith("/api/v1/users/{id}") and path_parameters:
        return str(path_parameters.get("id")) not in (str(FUZZING_ADMIN), f"{FUZZING_ADMIN}.0")
    return True


def _refusal(response):
    try:
        body = response.json()
    except Exception:  # noqa: BLE001 - any unreadable body is a refusal to report
        return None, []
    if not isinstance(body, dict):
        return None, []
    return body.get("code"), body.get("errors") or []


def _stateful(error):
    # a custom field's value is checked against the definition an admin stored
    # (its type, options, whether it is required); the document types it loosely
    field = str(error.get("field") or "")
    return error.get("code") in STATE_FIELD_CODES or field.startswith("custom_fields.")


@schemathesis.check
def schema_valid_request_accepted(ctx, response, case):
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return None
    status = response.status_code
    if status < 400 or status >= 500 or status in (401, 403, 404, 409, 429):
        return None
    code, errors = _refusal(response)
    if code in STATE_PROBLEMS:
        return None
    if errors and all(_stateful(e) for e in errors):
        return None
    raise AssertionError(
        f"a schema-valid request was refused with {status} `{code}`: "
        + "; ".join(f"{e.get('field')}: {e.get('code')} ({e.get('message')})" for e in errors)
    )
