-- A draw's frozen input and its result are stored deflated (RFC 1951) by the application: a
-- province's input is 55 MB of JSON, about 8 MB deflated, its result 20 MB, about 3 MB. Sending
-- and writing the whole text was most of the freeze (0.6 to 1.3 s, the server's own lz4
-- compression included). `input` and `output` keep the text of records frozen or drawn before,
-- and are empty where the deflated column holds it (`draws::freeze`, `draws::execute`, read
-- back by `draws::StoredDraw`). The server does not try to compress them again.
ALTER TABLE draw_input ADD COLUMN input_deflated BYTEA;
ALTER TABLE draw_input ALTER COLUMN input_deflated SET STORAGE EXTERNAL;
ALTER TABLE draw_record ADD COLUMN output_deflated BYTEA;
ALTER TABLE draw_record ALTER COLUMN output_deflated SET STORAGE EXTERNAL;
