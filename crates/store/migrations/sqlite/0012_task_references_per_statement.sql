-- PostgreSQL's migration of this number checks the references of tasks once per statement
-- instead of with a row lock per task. SQLite checks a foreign key without locking a row (one
-- writer at a time), so its foreign keys on task stay as they are.
SELECT 1;
