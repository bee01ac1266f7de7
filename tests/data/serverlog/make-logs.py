#!/usr/bin/python3
# make-logs.py - the hand-written server logs of tests/cli/2701 and 2702:
# records as aiwb-server --log writes them (server/main.c), and broken ones.
# Regenerate with: cd tests/data/serverlog && python3 make-logs.py
#
# SPDX-License-Identifier: GPL-3.0-or-later


def pred(i, inp, out, v=1, rid=None):
    """A prediction record: id a-I, time second I, version V."""
    return ('{"id":"%s","time":"2026-11-27T16:40:0%d.000Z","model":"r","version":%d,'
            '"input":%s,"output":%s}\n' % (rid or "a-%d" % i, i, v, inp, out))


def fb(i, rid, label, target="y"):
    """A feedback record for prediction RID; LABEL is JSON text."""
    return ('{"feedback":"%s","time":"2026-11-27T16:41:0%d.000Z","target":"%s","label":%s}\n'
            % (rid, i, target, label))


def w(name, text):
    with open(name, "wb") as f:
        f.write(text.encode() if isinstance(text, str) else text)


# A regressor's log: every rule of the columns, a blank line, a
# recommendation, a relabel, an unknown id, a last line being written.
w("regress.log",
  pred(1, '{"x":1.5,"color":"red","size":1,"y":3}', '{"prediction":2.5}') +
  pred(2, '{"x":2,"color":7,"size":2,"id":"client-9"}', '{"prediction":3.25}') +
  fb(1, "a-1", "2") +
  "\n" +
  pred(3, '{"x":null,"color":"blue","size":"XL","meta":{"ok":true,"tags":["a","b"]}}',
       '{"prediction":4}', v=2) +
  pred(4, '{"user":"u1","k":3}', '[{"item":"i1","score":0.9},{"item":"i2","score":0.5}]', v=2) +
  pred(5, '{"x":4,"size":4}', '{"prediction":null}', v=2) +
  fb(2, "a-1", "2.75") + fb(3, "a-3", "5") + fb(4, "a-9", "1") +
  '{"id":"a-6","time":"2026-11-27T16:40:06.000Z","model":"r","version":2,"input":{"x":3')
# Other tasks' answers.
w("cluster.log", pred(1, '{"x":1}', '{"cluster":0,"membership":[0.75,0.25]}') +
  pred(2, '{"x":9}', '{"cluster":1,"membership":[0.125,0.875]}'))
w("hard.log", pred(1, '{"x":1}', '{"cluster":0,"membership":[1,0]}') +
  pred(2, '{"x":9}', '{"cluster":1,"membership":[0,1]}'))
w("decomp.log", pred(1, '{"x":1,"z":2}', '{"components":[0.5,-1.25]}') +
  pred(2, '{"x":3,"z":1}', '{"components":[-0.5,1.25]}'))
w("rank.log", pred(1, '{"user":"u1","item":"i2"}', '{"score":0.75}') +
  pred(2, '{"user":7,"item":"i1"}', '{"score":-0.5}'))
# A classifier whose classes are numbers, labels sent as a number and a string.
w("classes.log", pred(1, '{"x":1}', '{"prediction":"0","probabilities":{"0":0.75,"1":0.25}}') +
  pred(2, '{"x":2}', '{"prediction":"1","probabilities":{"0":0.25,"1":0.75}}') +
  pred(3, '{"x":3}', '{"prediction":"1","probabilities":{"0":0.5,"1":0.5}}') +
  fb(1, "a-1", "0", "label") + fb(2, "a-2", '"1"', "label"))
# bad=skip: two broken lines among good ones.
w("skip.log", pred(1, '{"x":1}', '{"prediction":1}') + '{"id":"a-2",\n' +
  pred(3, '{"x":3}', '{"prediction":3}') + '{"id":"a-4","output":{"prediction":4}}\n' +
  fb(1, "a-3", "3"))
# Errors, one a file.
w("bad-json.log", pred(1, '{"x":1}', '{"prediction":1}') +
  '{"id":"a-2","input":{"x":2,},"output":{"prediction":2}}\n')
w("no-input.log", pred(1, '{"x":1}', '{"prediction":1}') +
  '{"id":"a-2","time":"2026-11-27T16:40:02.000Z","output":{"prediction":2}}\n')
w("input-type.log", '{"id":"a-1","input":"x=1","output":{"prediction":1}}\n')
w("output-type.log",
  '{"id":"a-1","input":{"x":1},"output":{"prediction":1,"probabilities":{"a":"high"}}}\n')
w("id-type.log", '{"id":17,"input":{"x":1},"output":{"prediction":1}}\n')
w("not-object.log", pred(1, '{"x":1}', '{"prediction":1}') + "  [1, 2]\n")
w("label-type.log", pred(1, '{"x":1}', '{"prediction":1}') +
  '{"feedback":"a-1","target":"y","label":null}\n')
w("no-label.log", pred(1, '{"x":1}', '{"prediction":1}') + '{"feedback":"a-1","target":"y"}\n')
w("targets.log", pred(1, '{"x":1}', '{"prediction":1}') + fb(1, "a-1", "1") +
  fb(2, "a-1", "1", "z"))
w("nested.log", '{"id":"a-1","input":{"a.b":1,"a":{"b":2}},"output":{"prediction":1}}\n')
w("utf8.log", b'{"id":"a-1","input":{"name":"caf\xe9"},"output":{"prediction":1}}\n')
w("only-feedback.log", fb(1, "a-1", "1") + fb(2, "a-2", "2"))
w("only-recs.log", pred(1, '{"user":"u1","k":2}', '[{"item":"i1","score":1}]'))
w("blank.log", "\n  \n\n")
w("last-bad.log", pred(1, '{"x":1}', '{"prediction":1}') + '{"id":"a-2","output":{"prediction":2}}')
