-- groupsync store, version 2. The issue time of the token behind each user's last applied sync,
-- so a login replaying an older (still valid) token can be told apart from a newer one. Null
-- when no time was recorded (rows from before this version, or logins without iat/auth_time).
ALTER TABLE user_syncs ADD COLUMN last_token_issued_at timestamptz;
