#!/usr/bin/env python3
# make-data.py - makes houses.csv and sold.csv, the small datasets of the
# scripted sessions (tests/cli): 30 houses in three districts, a price that
# depends on area, age and district, and a noisy yes/no 'sold' (sold.csv only).
# Regenerate (Python 3, any version: random.seed(7) is stable): python3 make-data.py
#
# SPDX-License-Identifier: GPL-3.0-or-later
import random

random.seed(7)
rows = []
bonus = {'north': 40, 'south': 10, 'east': 25}
for i in range(30):
    district = ['north', 'south', 'east'][i % 3]
    area = random.randint(45, 160)
    age = random.randint(1, 60)
    price = round(1.9 * area - 0.6 * age + bonus[district] + random.gauss(0, 12), 1)
    rows.append((area, district, age, price))
median = sorted(r[3] for r in rows)[15]
with open('houses.csv', 'w') as h, open('sold.csv', 'w') as s:
    h.write('area,district,age,price\n')
    s.write('area,district,age,price,sold\n')
    for area, district, age, price in rows:
        sold = 'yes' if price + random.gauss(0, 25) > median else 'no'
        h.write(f'{area},{district},{age},{price}\n')
        s.write(f'{area},{district},{age},{price},{sold}\n')
