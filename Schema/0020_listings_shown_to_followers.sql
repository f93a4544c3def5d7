-- qcredit schema, migration 20: the listings a bank's change feed showed it.
--
-- A listing ended by repair or revocation (or past its disclosure after expiry or cure) is as if
-- it had never been public, with one exception: a bank whose feed showed it `listed` is told,
-- with no details, that it ended (`listing-ended`). Which bank was shown which listing is kept
-- here, by the uid the feed served, in the same registry that keeps its watch lists; a feed
-- told nothing else (a cursor alone, which anyone can make up, no longer counts). Bookkeeping,
-- not history: nothing here is published.
CREATE TABLE watch_listing_shown (
    owner_uid   INTEGER NOT NULL,
    listing_id  INTEGER NOT NULL REFERENCES listing(id),
    PRIMARY KEY (owner_uid, listing_id)
) WITHOUT ROWID;
