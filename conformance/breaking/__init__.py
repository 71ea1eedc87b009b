"""Which changes between two versions of a contract break a client (`honcho-conformance breaking`),
in the manner of oasdiff's checker: `check` reads both documents, `walk` hands each pair of
elements to the rules of the table in `registry` that share its area and direction, the rule
families in `rules/` say what changed, `ignore` accepts what a team accepted and `report`
writes it out."""
