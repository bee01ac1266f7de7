-- shop.sql - a small shop for the sqlite source's scripted sessions
-- (tests/cli/13xx-*.aiwb): each case makes its database with
--     sqlite3 shop.db < "$top_srcdir/tests/data/sqlite/shop.sql"
-- Every storage class is here: INTEGER and REAL columns, TEXT, NULLs, a
-- column mixing numbers and text (customers.size), codes with leading zeros
-- kept as TEXT (customers.zip), a BLOB (customers.photo) and a view.
--
-- SPDX-License-Identifier: GPL-3.0-or-later
CREATE TABLE customers (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    region TEXT,
    zip TEXT,
    size,
    photo BLOB
);
INSERT INTO customers VALUES
    (1, 'ann', 'north', '01234', 3, NULL),
    (2, 'bob', 'south', '98765', 'large', x'89504e47'),
    (3, 'cat', 'north', '00501', 4.5, NULL),
    (4, 'dan', NULL, NULL, NULL, NULL),
    (5, 'eve', 'east', '10001', 2, NULL);

CREATE TABLE orders (
    id INTEGER PRIMARY KEY,
    customer INTEGER REFERENCES customers(id),
    day TEXT,
    amount REAL,
    items INTEGER,
    paid INTEGER
);
INSERT INTO orders VALUES
    (1, 1, '2024-01-03', 25.5, 2, 1),
    (2, 2, '2024-01-04', 12.0, 1, 1),
    (3, 1, '2024-01-09', 99.95, 5, 0),
    (4, 3, '2024-01-11', NULL, 3, 1),
    (5, 5, '2024-01-12', 7.25, 1, NULL),
    (6, 3, '2024-01-15', 42.0, 4, 1),
    (7, 2, '2024-01-20', 18.5, 2, 0),
    (8, 1, '2024-01-21', 61.0, 3, 1);

CREATE VIEW big_orders AS SELECT * FROM orders WHERE amount >= 40;
