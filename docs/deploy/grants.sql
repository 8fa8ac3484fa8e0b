-- docs/deploy/grants.sql: the app's own role and its grants (README: "Shared archive"), run by
-- the role that owns the tables, after it migrated them (and again after each upgrade):
--   psql -v ON_ERROR_STOP=1 -v app_password='…' -d postproof -f grants.sql
SELECT 'CREATE ROLE postproof_app LOGIN'
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'postproof_app')\gexec
ALTER ROLE postproof_app PASSWORD :'app_password';
GRANT CONNECT ON DATABASE postproof TO postproof_app;
GRANT USAGE ON SCHEMA public TO postproof_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO postproof_app;
REVOKE UPDATE, DELETE, TRUNCATE
    ON captures, artifacts, log_entries, checkpoints, timestamps, retractions,
       job_captures, job_failures FROM postproof_app;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO postproof_app;
