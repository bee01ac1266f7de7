// WekaCV.java - per-fold accuracies of Weka 3.6's own 10-fold cross-validation.
//
// SPDX-License-Identifier: GPL-3.0-or-later
//
// Weka's command line (-t FILE -x 10 -s SEED) prints only the pooled
// accuracy over all folds. This runs the same cross-validation as
// Evaluation.crossValidateModel does for that command line (a Random(SEED)
// shuffles the rows, stratify(10) deals them into folds, trainCV(10, i,
// random) and testCV(10, i) make fold i, a fresh copy of the classifier is
// fitted on each) and prints each fold's correct count instead, so the
// mean and the sd over the folds can be compared with aiwb's and
// scikit-learn's. run.sh checks that the pooled accuracy this gives equals
// the one Weka's command line prints.
//
// Usage: java -cp weka.jar:DIR WekaCV JOBS_FILE
// JOBS_FILE lines: "dataset<TAB>algorithm<TAB>arff<TAB>seed<TAB>class name<TAB>options"
// Output (CSV on stdout): tool,dataset,algorithm,seed,fold,n,correct
import java.io.BufferedReader;
import java.io.FileReader;
import java.util.Random;

import weka.classifiers.Classifier;
import weka.classifiers.Evaluation;
import weka.core.Instances;
import weka.core.Utils;
import weka.core.converters.ConverterUtils.DataSource;

public class WekaCV {
    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new FileReader(args[0]));
        String line;
        final int folds = 10;
        while ((line = in.readLine()) != null) {
            if (line.trim().isEmpty() || line.startsWith("#"))
                continue;
            String[] f = line.split("\t", -1);
            String dataset = f[0], algorithm = f[1], arff = f[2];
            int seed = Integer.parseInt(f[3]);
            Instances data = DataSource.read(arff);
            data.setClassIndex(data.numAttributes() - 1);
            Classifier template = Classifier.forName(f[4], Utils.splitOptions(f[5]));
            // As Evaluation.crossValidateModel(classifier, data, 10, new Random(seed)).
            Random random = new Random(seed);
            data = new Instances(data);
            data.randomize(random);
            if (data.classAttribute().isNominal())
                data.stratify(folds);
            for (int i = 0; i < folds; i++) {
                Instances train = data.trainCV(folds, i, random);
                Instances test = data.testCV(folds, i);
                Classifier c = Classifier.makeCopy(template);
                c.buildClassifier(train);
                Evaluation ev = new Evaluation(train);
                ev.evaluateModel(c, test);
                System.out.println("weka," + dataset + "," + algorithm + "," + seed + ","
                                   + (i + 1) + "," + test.numInstances() + ","
                                   + (long) Math.round(ev.correct()));
            }
            System.out.flush();
        }
    }
}
