package io.sparkllama.cli;

import io.sparkllama.cli.CliTest.Run;
import io.sparkllama.json.Json;
import io.sparkllama.testing.Shared;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.sparkllama.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code llama template}: the rendered prompt exactly on stdout, one-line errors otherwise. */
class ChatTemplateCommandTest {
    private static final List<Map<String, Object>> REFS = Shared.jsonl(Shared.reference("chat_templates.jsonl"));

    @TempDir
    Path dir;

    private Path write(String name, String text) throws Exception {
        return Files.writeString(dir.resolve(name), text, StandardCharsets.UTF_8);
    }

    private Path messages(Map<String, Object> ref) throws Exception {
        return write("messages.json", Json.toJson(ref.get("messages")));
    }

    /** Every reference line through --template, --bos, --eos and --date: stdout is the expected text and nothing else. */
    @Test
    void everyReferenceTemplateFromAFile() throws Exception {
        assertEquals(24, REFS.size());
        for (Map<String, Object> ref : REFS) {
            List<String> args = new ArrayList<>(List.of("template", "--template", write("t.jinja", (String) ref.get("template_text")).toString(),
                    "--messages", messages(ref).toString(), "--date", "2024-07-26"));
            for (String token : new String[] {"bos", "eos"}) {
                if (ref.get(token + "_token") != null) { // null: not defined for the model, so not passed
                    args.addAll(List.of("--" + token, (String) ref.get(token + "_token")));
                }
            }
            Run r = run(args.toArray(String[]::new));
            assertEquals(0, r.status(), r.err());
            assertEquals(ref.get("expected"), r.out(), ref.get("template") + " / " + ref.get("conversation"));
            assertEquals("", r.err());
        }
    }

    /** llama3-mini.gguf carries the Llama 3.2 template; BOS and EOS texts come from its vocabulary. */
    @Test
    void theModelsOwnTemplateAndSpecialTokens() throws Exception {
        int checked = 0;
        for (Map<String, Object> ref : REFS) {
            if (ref.get("template").equals("llama3.2-instruct")) {
                assertEquals("<|begin_of_text|>", ref.get("bos_token"));
                assertEquals("<|eot_id|>", ref.get("eos_token"));
                Run r = run("template", "--model", Shared.model("llama3-mini.gguf").toString(), "--messages", messages(ref).toString(),
                        "--date", "2024-07-26");
                assertEquals(0, r.status(), r.err());
                assertEquals(ref.get("expected"), r.out());
                checked++;
            }
        }
        assertEquals(3, checked);
    }

    @Test
    void aModelWithoutATemplateSaysWhatToGive() throws Exception {
        Path msgs = write("m.json", "[{\"role\": \"user\", \"content\": \"Hi\"}]");
        Run r = run("template", "--model", Shared.model("stories260K.gguf").toString(), "--messages", msgs.toString());
        assertEquals(1, r.status());
        assertEquals(1, r.errLines().size(), r.err());
        assertTrue(r.err().contains("has no chat template (tokenizer.chat_template); give --format NAME (llama2, llama3, chatml, zephyr,"
                + " mistral) or --template FILE"), r.err());
        assertEquals("", r.out());
        // with a format the model's BOS/EOS texts fill it
        r = run("template", "--model", Shared.model("stories260K.gguf").toString(), "--format", "llama2", "--messages", msgs.toString());
        assertEquals(0, r.status(), r.err());
        assertEquals("<s>[INST] Hi [/INST]", r.out());
    }

    @Test
    void namedFormats() throws Exception {
        Path msgs = write("m.json", "[{\"role\": \"system\", \"content\": \"Be brief.\"}, {\"role\": \"user\", \"content\": \"Hi\"}]");
        Run r = run("template", "--format", "chatml", "--messages", msgs.toString(), "--no-generation-prompt");
        assertEquals(0, r.status(), r.err());
        assertEquals("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n", r.out());
        r = run("template", "--format", "llama3", "--messages", msgs.toString());
        assertEquals("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|><|start_header_id|>user"
                + "<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n", r.out());
        r = run("template", "--format", "mistral", "--bos", "", "--messages", msgs.toString());
        assertEquals("[INST] Be brief.\n\nHi [/INST]", r.out());
        r = run("template", "--format", "vicuna", "--messages", msgs.toString());
        assertEquals(1, r.status());
        assertEquals(List.of("error: unknown chat template 'vicuna' (known: llama2, llama3, chatml, zephyr, mistral)"), r.errLines());
    }

    @Test
    void badInputsFailWithOneLine() throws Exception {
        Path msgs = write("m.json", "[{\"role\": \"user\", \"content\": \"Hi\"}]");
        Path t = write("t.jinja", "{{ raise_exception('only ' ~ 'system') }}");
        Path broken = write("broken.jinja", "ok\n{% for m in messages %}");
        String[][] cases = {
            {"2", "give --model, --template or --format", "template", "--messages", msgs.toString()},
            {"2", "give --template or --format, not both", "template", "--template", t.toString(), "--format", "chatml", "--messages",
                msgs.toString()},
            {"2", "--date must be YYYY-MM-DD, got '26 Jul 2024'", "template", "--format", "chatml", "--messages", msgs.toString(), "--date",
                "26 Jul 2024"},
            {"2", "--messages is required", "template", "--format", "chatml"},
            {"1", t + ": only system", "template", "--template", t.toString(), "--messages", msgs.toString()},
            {"1", broken + ": unexpected end of template: '{% for %}' (line 2, column 4) is never closed", "template", "--template",
                broken.toString(), "--messages", msgs.toString()},
            {"1", "message 1 is not an object with string \"role\" and \"content\"", "template", "--format", "chatml", "--messages",
                write("bad.json", "[{\"role\": \"user\"}]").toString()},
            {"1", "invalid JSON", "template", "--format", "chatml", "--messages", write("bad2.json", "[{").toString()},
            {"1", "no such file (--messages)", "template", "--format", "chatml", "--messages", dir.resolve("missing.json").toString()},
        };
        for (String[] c : cases) {
            Run r = run(java.util.Arrays.copyOfRange(c, 2, c.length));
            assertEquals(Integer.parseInt(c[0]), r.status(), r.err());
            assertEquals(1, r.errLines().size(), r.err());
            assertTrue(r.err().contains(c[1]), r.err());
            assertEquals("", r.out());
        }
    }
}
