-- Seed data for a fresh volume: the same tables app.py creates, plus a welcome post.
CREATE TABLE IF NOT EXISTS posts (id TEXT PRIMARY KEY, username TEXT NOT NULL, content TEXT NOT NULL,
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS comments (id TEXT PRIMARY KEY, post_id TEXT NOT NULL, username TEXT NOT NULL,
  content TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS likes (post_id TEXT NOT NULL, username TEXT NOT NULL, liked_at TEXT NOT NULL,
  PRIMARY KEY (post_id, username));
INSERT INTO posts VALUES ('3f1c2b9e-8a4d-4e1f-9c7a-1b2d3e4f5a6b', 'contoso', 'Welcome to Contoso!',
  '2025-01-01T00:00:00.000000Z', '2025-01-01T00:00:00.000000Z');
