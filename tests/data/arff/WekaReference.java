// WekaReference.java - what Weka reads in ARFF files, printed for test-arff.
//
// SPDX-License-Identifier: GPL-3.0-or-later
//
// Run by make-reference.sh (java -cp weka.jar WekaReference.java FILE...).
// For each file, tab-separated lines:
//   file NAME / relation NAME / rows N / cols N
//   attr INDEX NAME TYPE missing N distinct N, then
//     numeric and date: mean X min X max X (dates in milliseconds, as Weka)
//     nominal: levels N, then each declared value and its count, in order
//     string: levels N, then each value and its count, in order first met
//   weights sum X unit N (the sum of the instance weights, and how many are 1)
//   row INDEX WEIGHT V1 V2 ... for files of at most 30 rows (? for missing)
//   end
// Text is escaped: backslash, tab, newline and carriage return as \\ \t \n \r,
// and the text "?" as \? (an unescaped ? is a missing value).
import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.InputStreamReader;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPInputStream;

import weka.core.Attribute;
import weka.core.AttributeStats;
import weka.core.Instance;
import weka.core.Instances;

public class WekaReference {
    static String esc(String s) {
        if (s.equals("?")) return "\\?"; // the text "?", not a missing value
        return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r");
    }

    static String type(Attribute a) {
        if (a.isNominal()) return "nominal";
        if (a.isString()) return "string";
        if (a.isDate()) return "date";
        return "numeric";
    }

    public static void main(String[] args) throws Exception {
        for (String path : args) {
            java.io.InputStream in = new FileInputStream(path);
            if (path.endsWith(".gz")) in = new GZIPInputStream(in);
            Instances d = new Instances(new BufferedReader(new InputStreamReader(in, "UTF-8")));
            String name = path.substring(path.lastIndexOf('/') + 1);
            System.out.println("file\t" + name);
            System.out.println("relation\t" + esc(d.relationName()));
            System.out.println("rows\t" + d.numInstances());
            System.out.println("cols\t" + d.numAttributes());
            for (int i = 0; i < d.numAttributes(); i++) {
                Attribute a = d.attribute(i);
                AttributeStats st = d.attributeStats(i);
                StringBuilder sb = new StringBuilder();
                sb.append("attr\t").append(i).append('\t').append(esc(a.name())).append('\t')
                    .append(type(a)).append("\tmissing\t").append(st.missingCount)
                    .append("\tdistinct\t").append(st.distinctCount);
                if (a.isNumeric()) {
                    double sum = 0, min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
                    int n = 0;
                    for (int r = 0; r < d.numInstances(); r++) {
                        Instance x = d.instance(r);
                        if (x.isMissing(i)) continue;
                        double v = x.value(i);
                        sum += v;
                        n++;
                        min = Math.min(min, v);
                        max = Math.max(max, v);
                    }
                    sb.append("\tmean\t").append(n > 0 ? sum / n : Double.NaN)
                        .append("\tmin\t").append(min).append("\tmax\t").append(max);
                } else {
                    Map<String, Integer> counts = new LinkedHashMap<String, Integer>();
                    if (a.isNominal())
                        for (int j = 0; j < a.numValues(); j++) counts.put(a.value(j), 0);
                    for (int r = 0; r < d.numInstances(); r++) {
                        Instance x = d.instance(r);
                        if (x.isMissing(i)) continue;
                        String v = x.stringValue(i);
                        counts.put(v, counts.containsKey(v) ? counts.get(v) + 1 : 1);
                    }
                    sb.append("\tlevels\t").append(counts.size());
                    for (Map.Entry<String, Integer> e : counts.entrySet())
                        sb.append('\t').append(esc(e.getKey())).append('\t').append(e.getValue());
                }
                System.out.println(sb);
            }
            double wsum = 0;
            int unit = 0;
            for (int r = 0; r < d.numInstances(); r++) {
                wsum += d.instance(r).weight();
                if (d.instance(r).weight() == 1.0) unit++;
            }
            System.out.println("weights\tsum\t" + wsum + "\tunit\t" + unit);
            if (d.numInstances() <= 30) {
                for (int r = 0; r < d.numInstances(); r++) {
                    Instance x = d.instance(r);
                    StringBuilder sb = new StringBuilder("row\t" + r + "\t" + x.weight());
                    for (int i = 0; i < d.numAttributes(); i++) {
                        sb.append('\t');
                        if (x.isMissing(i)) sb.append('?');
                        else if (d.attribute(i).isNumeric()) sb.append(x.value(i));
                        else sb.append(esc(x.stringValue(i)));
                    }
                    System.out.println(sb);
                }
            }
            System.out.println("end");
        }
    }
}
