// Package search is the Chinese full-text search over tickets.
//
// The default tokenizers of SQLite FTS5 and PostgreSQL treat a run of Chinese
// characters as one word, and trigram indexes cannot match a query of fewer
// than three characters. So this package indexes terms of its own in the
// search_terms table: every pair of adjacent characters (a bigram) of the
// masked title, body and reply, plus the last character of each run on its
// own. A two-character query such as 噪音 is then one exact term lookup, a
// longer query needs all its bigrams, and a one-character query is a prefix
// range over the terms. The queries are the same plain SQL on SQLite and
// PostgreSQL. The two migrations of search_terms differ only in how the table
// is stored (WITHOUT ROWID on SQLite, COLLATE "C" and INCLUDE (tf) on
// PostgreSQL).
//
// Index writes a ticket's terms inside the caller's transaction; Find runs a
// query with filters, ranks the matches and returns one page; Highlight
// marks the query's words in a text and escapes everything else as HTML.
// Callers resolve who may see what: Find keeps only tickets under
// Query.UnitPath and trusts it.
package search
