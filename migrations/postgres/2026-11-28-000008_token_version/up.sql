-- Access tokens carry the user's token version; ending a user's sessions
-- (deactivation, new password) bumps it, so every older token is refused on
-- its next request, on every server node.
ALTER TABLE users ADD COLUMN token_version BIGINT NOT NULL DEFAULT 0;
