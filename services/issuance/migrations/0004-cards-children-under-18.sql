-- seed 000: the number of the holder's own children and grandchildren under 18 written on the card
-- (not who they are); NULL where the distributor did not record it.
ALTER TABLE cards ADD COLUMN children_under_18 integer CHECK (children_under_18 BETWEEN 0 AND 20);
