package io.sparkllama.cli;

import io.sparkllama.chat.ChatMessage;
import io.sparkllama.chat.ChatTemplate;
import io.sparkllama.chat.ChatTemplateException;
import io.sparkllama.format.GgufArray;
import io.sparkllama.format.ModelFile;
import io.sparkllama.format.ModelFiles;

import io.sparkllama.json.Json;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code template}: prints the prompt a chat template makes of a conversation, exactly (no
 * newline added), so it can be compared with what transformers' apply_chat_template gives.
 */
final class TemplateCommand implements Command {
    /** BOS and EOS texts the named formats' models use, for --format without --model. */
    private static final Map<String, String[]> FORMAT_TOKENS = Map.of(
            "llama2", new String[] {"<s>", "</s>"},
            "llama3", new String[] {"<|begin_of_text|>", "<|eot_id|>"},
            "chatml", new String[] {null, "<|im_end|>"},
            "zephyr", new String[] {"<s>", "</s>"},
            "mistral", new String[] {"<s>", "</s>"});

    @Override
    public Set<String> valued() {
        return Set.of("model", "template", "format", "bos", "eos", "messages", "date");
    }

    @Override
    public Set<String> flags() {
        return Set.of("no-generation-prompt");
    }

    @Override
    public String usage() {
        return "  template (--model FILE | --template FILE.jinja | --format NAME) --messages FILE.json   the prompt a chat template makes\n"
                + "\n"
                + "  --model FILE           GGUF file: its tokenizer.chat_template, and BOS/EOS texts from its vocabulary\n"
                + "  --template FILE.jinja  a Hugging Face chat template (Jinja) instead of the model's\n"
                + "  --format NAME          a built-in template instead: " + String.join(", ", ChatTemplate.names()) + "\n"
                + "  --bos S, --eos S       the BOS and EOS token texts (default: the model's; for --format, the format's usual ones;\n"
                + "                         else undefined in the template)\n"
                + "  --messages FILE.json   the conversation: a JSON array of {\"role\": ..., \"content\": ...} objects\n"
                + "  --no-generation-prompt do not end with the header of an assistant turn (add_generation_prompt=false)\n"
                + "  --date YYYY-MM-DD      the date strftime_now formats (default: today)\n"
                + "Prints the rendered text exactly, without a newline at the end.\n";
    }

    @Override
    public int run(Options o, PrintStream out, PrintStream err) throws Exception {
        if (o.has("template") && o.has("format")) {
            throw new UsageException("template: give --template or --format, not both");
        }
        if (!o.has("model") && !o.has("template") && !o.has("format")) {
            throw new UsageException("template: give --model, --template or --format");
        }
        List<ChatMessage> messages = messages(Cli.requireFile(o, "messages"));
        LocalDate date = date(o);
        String[] tokens = o.has("format") ? FORMAT_TOKENS.getOrDefault(o.get("format"), new String[2]) : new String[2];
        String modelTemplate = null;
        if (o.has("model")) {
            try (ModelFile f = ModelFiles.open(Cli.requireFile(o, "model"))) {
                tokens = new String[] {tokenText(f, "bos"), tokenText(f, "eos")};
                modelTemplate = f.metadata().get("tokenizer.chat_template") instanceof String s ? s : null;
            }
        }
        String source;
        ChatTemplate template;
        if (o.has("template")) {
            Path file = Cli.requireFile(o, "template");
            source = file.toString();
            template = parse(Files.readString(file, StandardCharsets.UTF_8), source);
        } else if (o.has("format")) {
            source = "format " + o.get("format");
            template = ChatTemplate.named(o.get("format"));
        } else {
            if (modelTemplate == null) {
                throw new IllegalArgumentException(o.get("model") + ": has no chat template (tokenizer.chat_template); give --format NAME ("
                        + String.join(", ", ChatTemplate.names()) + ") or --template FILE");
            }
            source = o.get("model") + ": chat template";
            template = parse(modelTemplate, source);
        }
        String bos = o.has("bos") ? o.get("bos") : tokens[0];
        String eos = o.has("eos") ? o.get("eos") : tokens[1];
        try {
            out.print(template.render(messages, !o.has("no-generation-prompt"), bos, eos, date));
        } catch (ChatTemplateException e) {
            throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
        }
        return 0;
    }

    private static ChatTemplate parse(String text, String source) {
        try {
            return ChatTemplate.parse(text);
        } catch (ChatTemplateException e) {
            throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
        }
    }

    /** The text of the model's BOS or EOS token, or null when the file names none (or one outside its vocabulary). */
    private static String tokenText(ModelFile f, String which) {
        Object id = f.metadata().get("tokenizer.ggml." + which + "_token_id");
        if (id instanceof Long i && f.metadata().get("tokenizer.ggml.tokens") instanceof GgufArray a
                && a.values() instanceof String[] texts && i >= 0 && i < texts.length) {
            return texts[(int) (long) i];
        }
        return null;
    }

    private static LocalDate date(Options o) {
        String d = o.get("date");
        if (d == null) {
            return LocalDate.now();
        }
        try {
            return LocalDate.parse(d);
        } catch (DateTimeParseException e) {
            throw new UsageException("template: --date must be YYYY-MM-DD, got '" + d + "'");
        }
    }

    /** The conversation file: a JSON array of objects with string "role" and "content". */
    static List<ChatMessage> messages(Path file) throws java.io.IOException {
        Object json;
        try {
            json = Json.parse(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage());
        }
        if (!(json instanceof List<?> items)) {
            throw new IllegalArgumentException(file + ": expected a JSON array of {\"role\", \"content\"} objects");
        }
        List<ChatMessage> out = new ArrayList<>();
        for (Object item : items) {
            if (!(item instanceof Map<?, ?> m && m.get("role") instanceof String role && m.get("content") instanceof String content)) {
                throw new IllegalArgumentException(file + ": message " + (out.size() + 1) + " is not an object with string \"role\" and \"content\"");
            }
            out.add(new ChatMessage(role, content));
        }
        return out;
    }
}
