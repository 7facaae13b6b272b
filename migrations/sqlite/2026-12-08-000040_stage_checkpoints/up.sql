-- Exit criteria (#41 item 6): each stage's checklist, kept by the admin,
-- and which items each deal has checked, by whom and when. A deal leaves
-- its stage forward only once the stage's required items are checked.
-- An unchecked item keeps its row (unchecked_by, unchecked_at): the
-- record of who checked what stays.
CREATE TABLE stage_checkpoints (
    id INTEGER PRIMARY KEY,
    stage_id BIGINT NOT NULL REFERENCES stages(id),
    position INTEGER NOT NULL,
    label TEXT NOT NULL,
    required BOOLEAN NOT NULL,
    active BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX stage_checkpoints_stage ON stage_checkpoints (stage_id, position, id);
CREATE TABLE deal_checks (
    id INTEGER PRIMARY KEY,
    opportunity_id BIGINT NOT NULL REFERENCES opportunities(id),
    checkpoint_id BIGINT NOT NULL REFERENCES stage_checkpoints(id),
    checked_by BIGINT NOT NULL REFERENCES users(id),
    checked_at TIMESTAMP NOT NULL,
    note TEXT,
    unchecked_by BIGINT REFERENCES users(id),
    unchecked_at TIMESTAMP
);
CREATE UNIQUE INDEX deal_checks_current ON deal_checks (opportunity_id, checkpoint_id) WHERE unchecked_at IS NULL;
