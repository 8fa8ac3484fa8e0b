-- The schema the migrations give a new SQLite archive, at revision 0014
-- Written by `python -m storage._schema` from the migrations: never edit it by hand.
BEGIN TRANSACTION;
CREATE TABLE alembic_version (
	version_num VARCHAR(32) NOT NULL, 
	CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);
INSERT INTO "alembic_version" VALUES('0014');
CREATE TABLE api_tokens (
	id INTEGER NOT NULL, 
	user_id INTEGER NOT NULL, 
	token_sha256 VARCHAR NOT NULL, 
	label VARCHAR, 
	created_at VARCHAR NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(user_id) REFERENCES users (id), 
	UNIQUE (token_sha256)
);
CREATE TABLE article_references (
	id INTEGER NOT NULL, 
	article_id VARCHAR NOT NULL, 
	kind VARCHAR NOT NULL, 
	url VARCHAR NOT NULL, 
	platform VARCHAR, 
	text VARCHAR, 
	paragraph INTEGER NOT NULL, 
	start INTEGER, 
	"end" INTEGER, 
	claim_number INTEGER, 
	capture_id VARCHAR, 
	PRIMARY KEY (id), 
	FOREIGN KEY(article_id) REFERENCES articles (id), 
	FOREIGN KEY(capture_id) REFERENCES captures (id)
);
CREATE TABLE articles (
	id VARCHAR NOT NULL, 
	source_kind VARCHAR NOT NULL, 
	source_url VARCHAR, 
	source_name VARCHAR, 
	source_sha256 VARCHAR NOT NULL, 
	source_size INTEGER NOT NULL, 
	capture_id VARCHAR, 
	title VARCHAR, 
	byline VARCHAR, 
	published_at VARCHAR, 
	lang VARCHAR, 
	text VARCHAR NOT NULL, 
	added_at VARCHAR NOT NULL, finished_at VARCHAR, 
	PRIMARY KEY (id), 
	FOREIGN KEY(capture_id) REFERENCES captures (id)
);
CREATE TABLE artifacts (
	id INTEGER NOT NULL, 
	capture_id VARCHAR NOT NULL, 
	kind VARCHAR NOT NULL, 
	sha256 VARCHAR NOT NULL, 
	size INTEGER NOT NULL, 
	media_type VARCHAR NOT NULL, 
	phash VARCHAR, 
	dhash VARCHAR, source_url VARCHAR, 
	PRIMARY KEY (id), 
	FOREIGN KEY(capture_id) REFERENCES captures (id)
);
CREATE TABLE captures (
	id VARCHAR NOT NULL, 
	post_id INTEGER NOT NULL, 
	requested_url VARCHAR NOT NULL, 
	canonical_url VARCHAR NOT NULL, 
	final_url VARCHAR, 
	platform VARCHAR NOT NULL, 
	platform_post_id VARCHAR, 
	status VARCHAR NOT NULL, 
	reason VARCHAR, 
	http_status INTEGER, 
	started_at VARCHAR NOT NULL, 
	finished_at VARCHAR NOT NULL, 
	stored_at VARCHAR NOT NULL, 
	server_date VARCHAR, 
	server_ip VARCHAR, 
	tool_version VARCHAR NOT NULL, 
	browser VARCHAR NOT NULL, 
	user_agent VARCHAR NOT NULL, 
	insecure BOOLEAN NOT NULL, 
	author VARCHAR, 
	handle VARCHAR, 
	posted_at VARCHAR, 
	text VARCHAR, 
	lang VARCHAR, 
	media_json VARCHAR NOT NULL, 
	reply_to VARCHAR, 
	quote_of VARCHAR, sources_json TEXT DEFAULT '{}' NOT NULL, missing_json TEXT DEFAULT '[]' NOT NULL, conflicts_json TEXT DEFAULT '[]' NOT NULL, made_by VARCHAR, 
	PRIMARY KEY (id), 
	FOREIGN KEY(post_id) REFERENCES posts (id)
);
CREATE TABLE checkpoints (
	size INTEGER NOT NULL, 
	root_hash VARCHAR NOT NULL, 
	note VARCHAR NOT NULL, 
	created_at VARCHAR NOT NULL, 
	PRIMARY KEY (size)
);
CREATE TABLE claims (
	id INTEGER NOT NULL, 
	article_id VARCHAR NOT NULL, 
	number INTEGER NOT NULL, 
	kind VARCHAR NOT NULL, 
	text VARCHAR NOT NULL, 
	paragraph INTEGER, 
	start INTEGER, 
	"end" INTEGER, 
	section VARCHAR, 
	quotes_json VARCHAR NOT NULL, 
	speaker VARCHAR, 
	speaker_cue VARCHAR, 
	created_at VARCHAR NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(article_id) REFERENCES articles (id), 
	CONSTRAINT uq_claims_number UNIQUE (article_id, number)
);
CREATE TABLE events (
	id INTEGER NOT NULL, 
	post_id INTEGER NOT NULL, 
	kind VARCHAR NOT NULL, 
	detected_at VARCHAR NOT NULL, 
	since VARCHAR, 
	before_capture_id VARCHAR, 
	after_capture_id VARCHAR NOT NULL, 
	confirmations INTEGER NOT NULL, 
	summary VARCHAR NOT NULL, 
	details_json VARCHAR NOT NULL, 
	delivered_at VARCHAR, 
	delivery_attempts INTEGER NOT NULL, 
	delivery_error VARCHAR, reported_at VARCHAR, 
	PRIMARY KEY (id), 
	FOREIGN KEY(after_capture_id) REFERENCES captures (id), 
	FOREIGN KEY(before_capture_id) REFERENCES captures (id), 
	FOREIGN KEY(post_id) REFERENCES posts (id), 
	CONSTRAINT uq_events_once UNIQUE (post_id, kind, after_capture_id)
);
CREATE TABLE evidence_links (
	id INTEGER NOT NULL, 
	claim_id INTEGER NOT NULL, 
	capture_id VARCHAR NOT NULL, 
	relation VARCHAR NOT NULL, 
	origin VARCHAR NOT NULL, 
	why VARCHAR NOT NULL, 
	quote VARCHAR, 
	note VARCHAR, 
	created_at VARCHAR NOT NULL, 
	removed_at VARCHAR, made_by VARCHAR, 
	PRIMARY KEY (id), 
	FOREIGN KEY(capture_id) REFERENCES captures (id), 
	FOREIGN KEY(claim_id) REFERENCES claims (id)
);
CREATE TABLE job_captures (
	id INTEGER NOT NULL, 
	job_id BIGINT NOT NULL, 
	capture_id VARCHAR NOT NULL, 
	asked BOOLEAN NOT NULL, 
	recorded_at VARCHAR NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(capture_id) REFERENCES captures (id), 
	UNIQUE (capture_id)
);
CREATE TABLE job_failures (
	id INTEGER NOT NULL, 
	job_id BIGINT NOT NULL, 
	attempt INTEGER NOT NULL, 
	error VARCHAR NOT NULL, 
	failed_at VARCHAR NOT NULL, 
	PRIMARY KEY (id)
);
CREATE TABLE "log_entries" (
	idx INTEGER NOT NULL, 
	capture_id VARCHAR, 
	manifest VARCHAR NOT NULL, 
	signature VARCHAR NOT NULL, 
	"key" VARCHAR NOT NULL, 
	leaf_hash VARCHAR NOT NULL, 
	logged_at VARCHAR NOT NULL, 
	retraction_id INTEGER, 
	PRIMARY KEY (idx), 
	FOREIGN KEY(capture_id) REFERENCES captures (id), 
	UNIQUE (capture_id), 
	FOREIGN KEY(retraction_id) REFERENCES retractions (id), 
	UNIQUE (retraction_id), 
	CONSTRAINT ck_log_entries_subject CHECK ((capture_id IS NULL) <> (retraction_id IS NULL))
);
CREATE TABLE ocr_texts (
	sha256 VARCHAR NOT NULL, 
	langs VARCHAR NOT NULL, 
	text VARCHAR NOT NULL, 
	engine VARCHAR NOT NULL, 
	created_at VARCHAR NOT NULL, 
	PRIMARY KEY (sha256, langs)
);
CREATE TABLE pending_blobs (
	id INTEGER NOT NULL, 
	run_id VARCHAR NOT NULL, 
	sha256 VARCHAR NOT NULL, 
	created_at VARCHAR NOT NULL, 
	PRIMARY KEY (id)
);
CREATE TABLE posts (
	id INTEGER NOT NULL, 
	platform VARCHAR NOT NULL, 
	platform_post_id VARCHAR, 
	canonical_url VARCHAR NOT NULL, 
	first_captured_at VARCHAR NOT NULL, 
	last_captured_at VARCHAR NOT NULL, 
	last_status VARCHAR NOT NULL, 
	watched BOOLEAN DEFAULT 1 NOT NULL, next_check_at VARCHAR, check_interval_s INTEGER, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_posts_canonical_url UNIQUE (canonical_url)
);
CREATE TABLE quote_checks (
	id INTEGER NOT NULL, 
	link_id INTEGER NOT NULL, 
	quote VARCHAR NOT NULL, 
	result VARCHAR NOT NULL, 
	score FLOAT NOT NULL, 
	excerpt VARCHAR, 
	source VARCHAR, 
	checked_at VARCHAR NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(link_id) REFERENCES evidence_links (id)
);
CREATE TABLE rejected_suggestions (
	id INTEGER NOT NULL, 
	claim_id INTEGER NOT NULL, 
	capture_id VARCHAR NOT NULL, 
	rejected_by VARCHAR, 
	rejected_at VARCHAR NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(claim_id) REFERENCES claims (id), 
	FOREIGN KEY(capture_id) REFERENCES captures (id)
);
CREATE TABLE retractions (
	id INTEGER NOT NULL, 
	target_kind VARCHAR NOT NULL, 
	target_id VARCHAR NOT NULL, 
	reason VARCHAR NOT NULL, 
	retracted_at VARCHAR NOT NULL, made_by VARCHAR, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_retractions_target UNIQUE (target_kind, target_id), 
	CONSTRAINT ck_retractions_target_kind CHECK (target_kind IN ('capture', 'article'))
);
CREATE TABLE timestamps (
	id INTEGER NOT NULL, 
	checkpoint_size INTEGER NOT NULL, 
	tsa_url VARCHAR NOT NULL, 
	token BLOB NOT NULL, 
	token_sha256 VARCHAR NOT NULL, 
	gen_time VARCHAR NOT NULL, 
	tsa_certs VARCHAR, 
	created_at VARCHAR NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(checkpoint_size) REFERENCES checkpoints (size)
);
CREATE TABLE users (
	id INTEGER NOT NULL, 
	name VARCHAR NOT NULL, 
	role VARCHAR NOT NULL, 
	password_hash VARCHAR NOT NULL, 
	created_at VARCHAR NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (name), 
	CONSTRAINT ck_users_role CHECK (role IN ('viewer', 'editor', 'admin'))
);
CREATE TABLE web_sessions (
	id INTEGER NOT NULL, 
	user_id INTEGER NOT NULL, 
	token_sha256 VARCHAR NOT NULL, 
	csrf_token VARCHAR NOT NULL, 
	created_at VARCHAR NOT NULL, 
	expires_at VARCHAR NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(user_id) REFERENCES users (id), 
	UNIQUE (token_sha256)
);
CREATE UNIQUE INDEX uq_posts_platform_post_id ON posts (platform, platform_post_id) WHERE platform_post_id IS NOT NULL;
CREATE INDEX ix_captures_post_id ON captures (post_id);
CREATE INDEX ix_captures_canonical_url ON captures (canonical_url);
CREATE INDEX ix_captures_status ON captures (status);
CREATE INDEX ix_captures_platform ON captures (platform);
CREATE INDEX ix_captures_started_at ON captures (started_at);
CREATE INDEX ix_artifacts_capture_id ON artifacts (capture_id);
CREATE INDEX ix_artifacts_sha256 ON artifacts (sha256);
CREATE INDEX ix_pending_blobs_run_id ON pending_blobs (run_id);
CREATE INDEX ix_pending_blobs_sha256 ON pending_blobs (sha256);
CREATE TRIGGER captures_append_only_update BEFORE UPDATE ON captures BEGIN SELECT RAISE(ABORT, 'captures are append-only: rows are never changed or removed'); END;
CREATE TRIGGER captures_append_only_delete BEFORE DELETE ON captures BEGIN SELECT RAISE(ABORT, 'captures are append-only: rows are never changed or removed'); END;
CREATE TRIGGER artifacts_append_only_update BEFORE UPDATE ON artifacts BEGIN SELECT RAISE(ABORT, 'artifacts are append-only: rows are never changed or removed'); END;
CREATE TRIGGER artifacts_append_only_delete BEFORE DELETE ON artifacts BEGIN SELECT RAISE(ABORT, 'artifacts are append-only: rows are never changed or removed'); END;
CREATE INDEX ix_articles_source_sha256 ON articles (source_sha256);
CREATE INDEX ix_articles_source_url ON articles (source_url);
CREATE INDEX ix_article_references_article_id ON article_references (article_id);
CREATE INDEX ix_claims_article_id ON claims (article_id);
CREATE INDEX ix_evidence_links_capture_id ON evidence_links (capture_id);
CREATE INDEX ix_evidence_links_claim_id ON evidence_links (claim_id);
CREATE INDEX ix_quote_checks_link_id ON quote_checks (link_id);
CREATE INDEX ix_events_detected_at ON events (detected_at);
CREATE INDEX ix_events_kind ON events (kind);
CREATE INDEX ix_events_post_id ON events (post_id);
CREATE INDEX ix_posts_next_check_at ON posts (next_check_at);
CREATE INDEX ix_timestamps_checkpoint_size ON timestamps (checkpoint_size);
CREATE TRIGGER checkpoints_append_only_update BEFORE UPDATE ON checkpoints BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only: rows are never changed or removed'); END;
CREATE TRIGGER checkpoints_append_only_delete BEFORE DELETE ON checkpoints BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only: rows are never changed or removed'); END;
CREATE TRIGGER timestamps_append_only_update BEFORE UPDATE ON timestamps BEGIN SELECT RAISE(ABORT, 'timestamps are append-only: rows are never changed or removed'); END;
CREATE TRIGGER timestamps_append_only_delete BEFORE DELETE ON timestamps BEGIN SELECT RAISE(ABORT, 'timestamps are append-only: rows are never changed or removed'); END;
CREATE TRIGGER retractions_append_only_update BEFORE UPDATE ON retractions BEGIN SELECT RAISE(ABORT, 'retractions are append-only: rows are never changed or removed'); END;
CREATE TRIGGER retractions_append_only_delete BEFORE DELETE ON retractions BEGIN SELECT RAISE(ABORT, 'retractions are append-only: rows are never changed or removed'); END;
CREATE TRIGGER log_entries_append_only_update BEFORE UPDATE ON log_entries BEGIN SELECT RAISE(ABORT, 'log_entries are append-only: rows are never changed or removed'); END;
CREATE TRIGGER log_entries_append_only_delete BEFORE DELETE ON log_entries BEGIN SELECT RAISE(ABORT, 'log_entries are append-only: rows are never changed or removed'); END;
CREATE INDEX ix_rejected_suggestions_claim_id ON rejected_suggestions (claim_id);
CREATE INDEX ix_job_captures_job_id ON job_captures (job_id);
CREATE INDEX ix_job_failures_job_id ON job_failures (job_id);
CREATE TRIGGER job_captures_append_only_update BEFORE UPDATE ON job_captures BEGIN SELECT RAISE(ABORT, 'job_captures are append-only: rows are never changed or removed'); END;
CREATE TRIGGER job_captures_append_only_delete BEFORE DELETE ON job_captures BEGIN SELECT RAISE(ABORT, 'job_captures are append-only: rows are never changed or removed'); END;
CREATE TRIGGER job_failures_append_only_update BEFORE UPDATE ON job_failures BEGIN SELECT RAISE(ABORT, 'job_failures are append-only: rows are never changed or removed'); END;
CREATE TRIGGER job_failures_append_only_delete BEFORE DELETE ON job_failures BEGIN SELECT RAISE(ABORT, 'job_failures are append-only: rows are never changed or removed'); END;
COMMIT;
