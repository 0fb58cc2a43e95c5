package io.sparkllama.sql;

import io.sparkllama.engine.ChatFormat;
import io.sparkllama.engine.Engine;
import io.sparkllama.engine.FinishReason;
import io.sparkllama.engine.GenerationRequest;
import io.sparkllama.engine.GenerationResult;
import io.sparkllama.engine.OptionScore;
import io.sparkllama.engine.ScoreResult;
import io.sparkllama.engine.Scoring;
import io.sparkllama.spark.ChatSettings;
import io.sparkllama.spark.RowPrompts;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.NullType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The SQL functions: their arguments, result structs, and how a row's arguments become an engine
 * request and the engine's result a struct. A row that cannot be run (a null prompt, a prompt
 * longer than the context, ...) gets a struct with {@code error} set, as the jobs' error rows.
 */
enum LlamaFunction {
    /** {@code llama_generate(prompt [, options [, id]])}. */
    GENERATE("llama_generate", 1, 3, 1, "prompt [, options map<string,string> [, id]]",
            struct("completion", DataTypes.StringType, "prompt_tokens", DataTypes.IntegerType,
                    "completion_tokens", DataTypes.IntegerType, "finish_reason", DataTypes.StringType,
                    "error", DataTypes.StringType)),
    /** {@code llama_score(context, continuation [, options])}. */
    SCORE("llama_score", 2, 3, 2, "context, continuation [, options map<string,string>]",
            struct("logprob", DataTypes.DoubleType, "tokens", DataTypes.IntegerType, "is_greedy", DataTypes.BooleanType,
                    "error", DataTypes.StringType)),
    /** {@code llama_choose(prompt, options array<string> [, options map])}. */
    CHOOSE("llama_choose", 2, 3, 2, "prompt, choices array<string> [, options map<string,string>]",
            struct("label", DataTypes.StringType, "label_index", DataTypes.IntegerType,
                    "probabilities", DataTypes.createArrayType(DataTypes.DoubleType, false), "error", DataTypes.StringType));

    private final String sqlName;
    private final int minArgs;
    private final int maxArgs;
    private final int optionsIndex;
    private final String usage;
    private final StructType resultType;

    LlamaFunction(String sqlName, int minArgs, int maxArgs, int optionsIndex, String usage, StructType resultType) {
        this.sqlName = sqlName;
        this.minArgs = minArgs;
        this.maxArgs = maxArgs;
        this.optionsIndex = optionsIndex;
        this.usage = usage;
        this.resultType = resultType;
    }

    String sqlName() {
        return sqlName;
    }

    String usage() {
        return sqlName + "(" + usage + ")";
    }

    StructType resultType() {
        return resultType;
    }

    int minArgs() {
        return minArgs;
    }

    int maxArgs() {
        return maxArgs;
    }

    /** Position of the options map among the arguments. */
    int optionsIndex() {
        return optionsIndex;
    }

    /** Why the argument at {@code index} cannot have type {@code t}, or null when it can. */
    String checkArgument(int index, DataType t) {
        if (index == optionsIndex) {
            return t instanceof NullType || (t instanceof MapType m && (m.keyType() instanceof StringType || m.keyType() instanceof NullType))
                    ? null : "the options must be a map<string,string>, e.g. map('max.tokens', '32')";
        }
        if (this == GENERATE && index == 2) {
            return null; // the id: any type, as the jobs' id column
        }
        if (this == CHOOSE && index == 1) {
            return t instanceof ArrayType a && (a.elementType() instanceof StringType || a.elementType() instanceof NullType)
                    ? null : "the choices must be an array<string>";
        }
        return t instanceof StringType || t instanceof NullType ? null : "argument " + (index + 1) + " must be a string";
    }

    /**
     * Sends a row's request to the engine. {@code args} are the call's arguments without the
     * options, as Spark's external values (String, Scala Seq, ...). A row that cannot be run
     * gives a completed future of an error result.
     */
    CompletableFuture<?> submit(Engine engine, CallSpec spec, ChatSettings.ForRows chatForRows, Object[] args) {
        try {
            return switch (this) {
                case GENERATE -> {
                    String prompt = RowPrompts.checkText("prompt", (String) args[0]);
                    Object id = args.length > 1 ? args[1] : prompt; // the seed follows the prompt, not the template
                    if (id == null) {
                        throw new IllegalArgumentException("id is null: give every row an id (it seeds sampling)");
                    }
                    ChatFormat chat = chatForRows.get();
                    String text = chat == null ? prompt : chat.render(spec.chat().system(), prompt);
                    yield engine.submit(GenerationRequest.of(text, spec.sampling(id)).withTruncateLeft(spec.truncate())
                            .withParseSpecial(chat != null));
                }
                case SCORE -> {
                    if (args[0] == null) {
                        throw new IllegalArgumentException("context is null");
                    }
                    String continuation = RowPrompts.checkText("continuation", (String) args[1]);
                    yield engine.submit(Scoring.request(engine.model().tokenizer(), (String) args[0], List.of(continuation)));
                }
                case CHOOSE -> {
                    String prompt = RowPrompts.checkText("prompt", (String) args[0]);
                    ChatFormat chat = chatForRows.get();
                    yield engine.submit(chat == null ? Scoring.request(engine.model().tokenizer(), prompt, RowPrompts.options(args[1]))
                            : Scoring.request(engine.model().tokenizer(), chat.render(spec.chat().system(), prompt),
                            RowPrompts.options(args[1]), true));
                }
            };
        } catch (IllegalArgumentException e) {
            return CompletableFuture.completedFuture(this == GENERATE ? GenerationResult.error(e.getMessage(), 0)
                    : ScoreResult.error(e.getMessage(), 0));
        }
    }

    /** The result struct of a row, from the engine's result. */
    InternalRow result(Object engineResult, Object[] args) {
        switch (this) {
            case GENERATE -> {
                GenerationResult r = (GenerationResult) engineResult;
                boolean error = r.finishReason() == FinishReason.ERROR;
                return new GenericInternalRow(new Object[] {error ? null : utf8(r.text()), r.promptTokens(),
                    r.completionTokens(), utf8(r.finishReason().label()), utf8(r.error())});
            }
            case SCORE -> {
                ScoreResult r = (ScoreResult) engineResult;
                if (r.error() != null) {
                    return new GenericInternalRow(new Object[] {null, null, null, utf8(r.error())});
                }
                OptionScore o = r.options().get(0);
                return new GenericInternalRow(new Object[] {o.logprob(), o.tokens().length, o.greedy(), null});
            }
            default -> {
                ScoreResult r = (ScoreResult) engineResult;
                if (r.error() != null) {
                    return new GenericInternalRow(new Object[] {null, null, null, utf8(r.error())});
                }
                double[] p = r.probabilities();
                Object[] probs = new Object[p.length];
                for (int i = 0; i < p.length; i++) {
                    probs[i] = p[i];
                }
                return new GenericInternalRow(new Object[] {utf8(RowPrompts.options(args[1]).get(r.best())), r.best(),
                    new GenericArrayData(probs), null});
            }
        }
    }

    /** A struct type of nullable fields, from names and types. */
    private static StructType struct(Object... namesAndTypes) {
        StructType t = new StructType();
        for (int i = 0; i < namesAndTypes.length; i += 2) {
            t = t.add((String) namesAndTypes[i], (DataType) namesAndTypes[i + 1], true);
        }
        return t;
    }

    private static UTF8String utf8(String s) {
        return s == null ? null : UTF8String.fromString(s);
    }

    static LlamaFunction bySqlName(String name) {
        for (LlamaFunction f : values()) {
            if (f.sqlName.equals(name)) {
                return f;
            }
        }
        throw new IllegalArgumentException("no llama function " + name);
    }
}
