package io.sparkllama.engine;

import io.sparkllama.model.LoadedModel;
import io.sparkllama.model.ModelLoader;
import io.sparkllama.testing.Shared;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The paged KV cache against the reference order: one sequence at a time, in one block that
 * spans the whole context (the layout of the cache before it was paged). Outputs must not
 * change by a bit with the block size, the batch, or prefix sharing, and blocks must come back.
 */
@Timeout(300)
class PagedKvTest {
    private static final String INSTRUCTION = "Once upon a time, there was a little girl named Lily. She loved to play outside "
            + "in the park with her friends. One day, she saw a big red ball under a tree. Read the story and say what happens next:";
    private static LoadedModel m;

    @BeforeAll
    static void load() throws Exception {
        m = ModelLoader.load(Shared.model("stories260K.gguf"), null);
    }

    /** Sampled requests, half of them behind the shared instruction. */
    private static List<GenerationRequest> requests(int n) {
        String[] tails = {" Tom had a", " The dog ran", " Mia was sad", " They went home", " The sun", " A bird"};
        List<GenerationRequest> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            SamplingParams p = new SamplingParams(0.9f, 0, 0.95f, 500 + i, 20 + i % 7, List.of());
            String tail = tails[i % tails.length] + (i >= tails.length ? " " + i : "");
            out.add(GenerationRequest.of(i % 2 == 0 ? INSTRUCTION + tail : tail.trim(), p));
        }
        return out;
    }

    private static List<GenerationResult> run(Engine e, List<GenerationRequest> requests) {
        List<CompletableFuture<GenerationResult>> fs = new ArrayList<>();
        requests.forEach(r -> fs.add(e.submit(r)));
        List<GenerationResult> out = new ArrayList<>();
        fs.forEach(f -> out.add(f.join()));
        return out;
    }

    private static EngineOptions reference() {
        return EngineOptions.DEFAULTS.withMaxSequences(1).withThreads(1).withContextLength(512).withKvBlockSize(512);
    }

    @Test
    void generationIsBitIdenticalAcrossBlockSizesBatchesAndPrefixSharing() {
        List<GenerationRequest> requests = requests(24);
        List<GenerationResult> expected;
        try (Engine e = new Engine(m, reference())) {
            expected = run(e, requests);
        }
        for (int batch : new int[] {1, 16, 33}) {
            for (int block : new int[] {16, 64}) {
                for (boolean sharing : new boolean[] {false, true}) {
                    EngineOptions o = EngineOptions.DEFAULTS.withMaxSequences(batch).withThreads(2).withContextLength(512)
                            .withKvBlockSize(block).withPrefillChunk(24).withPrefixCacheSlots(sharing ? 1 : 0);
                    String what = "batch " + batch + ", blocks of " + block + (sharing ? ", prefix sharing" : "");
                    try (Engine e = new Engine(m, o)) {
                        // in two waves, so that the second finds the first's prompts in the prefix cache
                        List<GenerationResult> got = new ArrayList<>(run(e, requests.subList(0, 12)));
                        got.addAll(run(e, requests.subList(12, requests.size())));
                        for (int i = 0; i < requests.size(); i++) {
                            assertArrayEquals(expected.get(i).tokens(), got.get(i).tokens(), what + ", request " + i);
                            assertEquals(expected.get(i).text(), got.get(i).text(), what + ", request " + i);
                        }
                        EngineTest.awaitIdle(e);
                        Engine.Stats s = e.stats();
                        if (sharing) {
                            assertTrue(s.reusedPromptTokens() > 0, what + ": the instruction's blocks were shared");
                        } else {
                            assertEquals(0, s.reusedPromptTokens(), what);
                        }
                        assertEquals(0, s.kvBytesCopied(), what + ": sharing a prefix copies nothing");
                        assertEquals(s.cachedBlocks() * e.kvCache().blockBytes(), s.kvBytesInUse(),
                                what + ": every block is back in the pool but the cached ones");
                    }
                }
            }
        }
    }

    @Test
    void promptsThatDivergeInsideABlockShareItsFirstPositionsWithoutCopying() {
        int[] base = m.tokenizer().encode(INSTRUCTION + " Tom had a big dog and a small cat", true, false, false);
        assertTrue(base.length > 56, "prompt of " + base.length);
        int[] first = Arrays.copyOf(base, 56);
        int[] second = Arrays.copyOf(base, 56);
        second[37] = first[37] == 300 ? 301 : 300; // diverges at position 37, inside the third block of 16
        List<GenerationRequest> requests = new ArrayList<>();
        for (int[] prompt : new int[][] {first, second}) {
            requests.add(GenerationRequest.ofTokens(prompt, new SamplingParams(0.8f, 0, 1f, 7, 24, List.of())));
        }
        List<GenerationResult> expected = new ArrayList<>();
        try (Engine e = new Engine(m, reference())) {
            expected.addAll(run(e, requests));
        }
        try (Engine e = new Engine(m, EngineOptions.DEFAULTS.withMaxSequences(4).withThreads(2).withContextLength(512)
                .withKvBlockSize(16).withPrefixCacheSlots(1))) {
            GenerationResult a = e.generate(requests.get(0)); // caches its three full blocks (positions 0-47)
            GenerationResult b = e.generate(requests.get(1)); // shares blocks 0-1 and positions 32-36 of block 2
            assertArrayEquals(expected.get(0).tokens(), a.tokens());
            assertArrayEquals(expected.get(1).tokens(), b.tokens());
            EngineTest.awaitIdle(e);
            assertEquals(37, e.stats().reusedPromptTokens(), "two whole blocks and the 5 agreeing positions of the third");
            assertEquals(0, e.stats().kvBytesCopied(), "shared by reference, not copied");
            assertEquals(3, e.stats().cachedBlocks(), "the second prompt's blocks from its split on are not cached");
            assertEquals(3 * e.kvCache().blockBytes(), e.stats().kvBytesInUse());
        }
    }

    @Test
    void forkedContinuationsShareTheContextWithoutCopying() {
        int[] context = m.tokenizer().encode("Once upon a time, there was a", true, false, false);
        List<int[]> options = new ArrayList<>();
        for (String o : List.of(" little girl named Lily", " big dog who liked to run", " boy", " tree that was")) {
            options.add(m.tokenizer().encode(o, false, false, false));
        }
        ScoreRequest request = new ScoreRequest(context, options);
        ScoreResult expected;
        try (Engine e = new Engine(m, reference())) {
            expected = e.score(request); // one slot: the continuations run one after the other after the context
        }
        assertTrue(context.length % 4 > 0, "the context ends inside a block: " + context.length);
        try (Engine e = new Engine(m, EngineOptions.DEFAULTS.withMaxSequences(4).withThreads(2).withKvBlockSize(4))) {
            assertSameScores(expected, e.score(request));
            EngineTest.awaitIdle(e);
            assertEquals(0, e.stats().kvBytesCopied(), "forks share the context's last partial block by a split");
            assertEquals(0, e.stats().kvBytesInUse());
        }
        // with the prefix cache the context itself splits a cached block the second time; forks of it then repeat that
        // split, or copy the one block they cannot split twice
        for (int block : new int[] {3, 4, 5}) {
            try (Engine e = new Engine(m, EngineOptions.DEFAULTS.withMaxSequences(4).withThreads(2).withKvBlockSize(block)
                    .withPrefixCacheSlots(1))) {
                assertSameScores(expected, e.score(request));
                ScoreRequest longer = new ScoreRequest(Arrays.copyOf(context, context.length), options);
                assertSameScores(expected, e.score(longer));
                EngineTest.awaitIdle(e);
                assertTrue(e.stats().reusedPromptTokens() > 0, "blocks of " + block);
                assertEquals(e.stats().cachedBlocks() * e.kvCache().blockBytes(), e.stats().kvBytesInUse());
            }
        }
    }

    private static void assertSameScores(ScoreResult expected, ScoreResult got) {
        assertEquals(expected.options().size(), got.options().size(), String.valueOf(got.error()));
        for (int i = 0; i < expected.options().size(); i++) {
            assertArrayEquals(expected.options().get(i).tokenLogprobs(), got.options().get(i).tokenLogprobs(), "option " + i);
        }
    }

    @Test
    void kvMemoryFollowsTheTokensInUseNotSequencesTimesContext() {
        List<GenerationRequest> requests = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            requests.add(GenerationRequest.ofTokens(new int[] {1, 300 + i, 301, 302, 303, 304, 305, 306},
                    new SamplingParams(0.8f, 0, 1f, i, 8, List.of())));
        }
        try (Engine e = new Engine(m, EngineOptions.DEFAULTS.withMaxSequences(32).withThreads(2).withContextLength(512))) {
            run(e, requests);
            EngineTest.awaitIdle(e);
            long block = e.kvCache().blockBytes();
            assertTrue(e.stats().kvBytesPeak() <= 32 * block, "32 sequences of at most 15 positions hold one block each: "
                    + e.stats().kvBytesPeak());
            assertTrue(e.stats().kvBytesReserved() >= 32 * 16 * block, "room for 32 sequences of 512 positions");
            assertEquals(0, e.stats().kvBytesInUse());
        }
    }
}
