package io.sparkllama.spark;

import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

/** Base of the tests that run jobs in {@code local[2]}: one session and one temporary directory per test class. */
abstract class LocalSparkTest {
    static SparkSession spark;

    @TempDir
    static Path dir;

    @BeforeAll
    static void startSpark() {
        spark = SparkTests.local(2);
    }

    @AfterAll
    static void stopSpark() {
        spark.stop();
    }
}
