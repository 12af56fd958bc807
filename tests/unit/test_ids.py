import uuid

from wayvo_app.store.models import new_id, new_ids


def test_new_ids_are_random_version_4_uuids_written_as_uuid_writes_them():
    ids = [new_id() for _ in range(1000)] + [i for _ in range(200) for i in new_ids(5)]
    assert len(set(ids)) == len(ids) == 2000
    for value in ids:
        parsed = uuid.UUID(value)
        assert (parsed.version, parsed.variant, str(parsed)) == (4, uuid.RFC_4122, value)
