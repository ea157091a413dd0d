-- The number of the holder's children and grandchildren under 18 written on the card (seed 000; NULL: not
-- recorded, so no cap). `issued_on` has been kept since 0001 (every CardIssued carries it), so every
-- existing row already knows from which date its card is good (§4); the domain also reads NULL as unknown.
ALTER TABLE cards ADD COLUMN children_under_18 int;
