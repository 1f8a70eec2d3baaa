-- +goose Up
-- Full-text index of tickets: one row per distinct term of a ticket's masked
-- title, body and reply. A term is two adjacent characters (a bigram), or the
-- last character of a run on its own, so that a two-character Chinese query
-- is one exact lookup and a one-character query is a prefix range. tf is the
-- term's weighted count in the ticket (a title occurrence counts 3). Terms
-- come from the masked text only, so the index holds no personal data.
-- COLLATE "C" orders terms by code point, as SQLite does, which the prefix
-- range of a one-character query relies on. INCLUDE (tf) lets a query read
-- the counts from the index alone, as SQLite's WITHOUT ROWID table does.
CREATE TABLE search_terms (
    term      TEXT COLLATE "C" NOT NULL,
    ticket_id BIGINT NOT NULL,
    tf        INTEGER NOT NULL,
    PRIMARY KEY (term, ticket_id) INCLUDE (tf)
);
CREATE INDEX search_terms_ticket ON search_terms (ticket_id);

-- +goose Down
DROP TABLE search_terms;
