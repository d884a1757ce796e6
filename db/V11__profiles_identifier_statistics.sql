-- Nested search (identifiers @> '{"name":{"last":"Doe"}}' order by id limit n) is planned from the column's
-- sample: the planner tests the value against the sampled documents. With the default sample (100), a value that
-- happens to be in it is estimated at 1% of the table and the planner walks the primary key in id order,
-- filtering the whole table: 0.9 s for a last name that 50 of 1,000,000 profiles have, for ~0.5% of all names,
-- against 0.5 ms through the GIN index. A 1,000-document sample bounds that estimate at 0.1% (the GIN plan), while
-- values that are really common (a country) are still estimated high and keep the primary-key walk. Costs ~0.5 ms
-- more planning per search and a longer ANALYZE (it samples 300,000 rows).
alter table profiles alter column identifiers set statistics 1000;
