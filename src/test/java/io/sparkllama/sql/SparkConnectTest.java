package io.sparkllama.sql;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.connect.service.SparkConnectService$;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The SQL functions through Spark Connect: the test's local[2] driver runs the Connect server (the
 * {@code SparkConnectPlugin}, on a free loopback port) with {@link LlamaExtensions}, and a Connect client
 * session sends its queries over gRPC; its rows must equal the same query's on the classic session.
 *
 * <p>The client is the one inside the {@code spark-connect} server jar (built against the server's own
 * shaded gRPC and protobuf). The separate {@code spark-connect-client-jvm} jar cannot share a JVM with the
 * server: it holds the same {@code org.apache.spark.connect.proto} classes over another protobuf shading.
 */
@Timeout(300)
class SparkConnectTest {
    private static final String OPTIONS = "map('max.tokens', '8', 'temperature', '0')";
    private static final String[] ANIMALS = {"cat", "dog", "bird", "fish", "frog", "bear"};
    static SparkSession spark;
    static SparkSession remote;

    @BeforeAll
    static void start() {
        spark = LlamaSqlTest.builder()
                .config("spark.plugins", "org.apache.spark.sql.connect.SparkConnectPlugin")
                .config("spark.connect.grpc.binding.address", "127.0.0.1")
                .config("spark.connect.grpc.binding.port", "0")
                .getOrCreate();
        assertTrue(SparkConnectService$.MODULE$.started(), "the Connect server did not start");
        int port = SparkConnectService$.MODULE$.localPort();
        assertTrue(port > 0, "port " + port);
        remote = org.apache.spark.sql.connect.SparkSession.builder().remote("sc://127.0.0.1:" + port).create();
        assertInstanceOf(org.apache.spark.sql.connect.SparkSession.class, remote);
    }

    @AfterAll
    static void stop() throws Exception {
        if (remote != null) {
            remote.close();
        }
        if (spark != null) {
            spark.stop();
        }
    }

    /** The same few prompts on either session, as (id long, prompt string) in two partitions. */
    private static Dataset<Row> prompts(SparkSession session) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < ANIMALS.length; i++) {
            rows.add(RowFactory.create((long) i, "Once upon a time, a " + ANIMALS[i] + " named Tim"));
        }
        StructType schema = new StructType().add("id", DataTypes.LongType).add("prompt", DataTypes.StringType);
        return session.createDataFrame(rows, schema).repartition(2);
    }

    /** Rows sorted by their first column (the id), as a list. */
    private static List<Row> sorted(Dataset<Row> df) {
        return df.orderBy(df.columns()[0]).collectAsList();
    }

    /** Equal rows of (id, completion, ...), one per prompt, with completions that are not all the same. */
    private static void assertSameCompletions(List<Row> want, List<Row> got) {
        assertEquals(ANIMALS.length, got.size());
        assertEquals(want, got);
        for (Row r : got) {
            assertTrue(!r.getString(1).isBlank(), r.toString());
        }
        assertTrue(got.stream().map(r -> r.getString(1)).distinct().count() > 1, "all completions equal: " + got);
    }

    @Test
    void sqlThroughConnectEqualsTheClassicSession() {
        String q = "SELECT id, llama_generate(prompt, " + OPTIONS + ").completion AS completion, "
                + "llama_generate(prompt, " + OPTIONS + ").completion_tokens AS tokens FROM prompts";
        prompts(spark).createOrReplaceTempView("prompts");
        prompts(remote).createOrReplaceTempView("prompts"); // a view of the Connect session's own server-side session
        List<Row> want = sorted(spark.sql(q));
        List<Row> got = sorted(remote.sql(q));

        assertSameCompletions(want, got);
        for (Row r : got) {
            assertEquals(8, r.getInt(2), r.toString());
        }
    }

    @Test
    void exprOverAClientDataFrameEqualsTheClassicSession() {
        String call = "llama_generate(prompt, " + OPTIONS + ")";
        List<Row> want = sorted(prompts(spark).select(col("id"), expr(call).getField("completion").as("completion")));
        Dataset<Row> df = prompts(remote).select(col("id"), expr(call).getField("completion").as("completion"));
        assertInstanceOf(org.apache.spark.sql.connect.Dataset.class, df);
        assertSameCompletions(want, sorted(df));
    }

    @Test
    void theClientSessionsConfAndErrorsReachTheFunctions() {
        remote.conf().set("spark.llama.max.tokens", "5");
        try {
            Row r = remote.sql("SELECT llama_generate('Once upon a time', map('temperature', '0')) AS r").first().getStruct(0);
            assertEquals(5, (Integer) r.getAs("completion_tokens"));
            assertEquals("length", r.getAs("finish_reason"));
        } finally {
            remote.conf().unset("spark.llama.max.tokens");
        }
        Exception e = assertThrows(Exception.class,
                () -> remote.sql("SELECT llama_generate('Once', map('max_tokens', '3'))").collectAsList());
        assertTrue(e.getMessage().contains("unknown option 'max_tokens'"), e.getMessage());
    }
}
