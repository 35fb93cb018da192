import java.io.FileReader;
import java.util.Properties;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The engine suite's Spark job (run as a single-file source program): a local session with the
 * settings of a spark-defaults.conf (loaded the way spark-submit loads it: `key value` lines, as
 * java.util.Properties reads them), writing 100 rows as Parquet to an s3a:// path and reading them back.
 * Usage: SparkS3.java <spark-defaults.conf> <s3a://bucket/path>
 */
public class SparkS3 {
    public static void main(String[] args) throws Exception {
        Properties defaults = new Properties();
        try (FileReader reader = new FileReader(args[0])) {
            defaults.load(reader);
        }
        SparkConf conf = new SparkConf(false);
        for (String key : defaults.stringPropertyNames()) conf.set(key, defaults.getProperty(key).trim());
        SparkSession spark = SparkSession.builder().master("local[1]").appName("engine-suite-s3a").config(conf).getOrCreate();
        try {
            spark.range(100).selectExpr("id", "id * 2 AS twice").write().mode("overwrite").parquet(args[1]);
            Row row = spark.read().parquet(args[1]).selectExpr("count(*)", "sum(twice)").first();
            System.out.println("APPLICATION " + spark.sparkContext().applicationId());
            System.out.println("ROWS " + row.getLong(0) + " SUM " + row.getLong(1));
        } finally {
            spark.stop();
        }
    }
}
