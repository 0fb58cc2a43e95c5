package io.sparkllama.engine;

import io.sparkllama.chat.ChatMessage;
import io.sparkllama.chat.ChatTemplate;
import io.sparkllama.model.LoadedModel;
import io.sparkllama.tokenizer.Vocabulary;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

/**
 * How conversations become prompt text for one model: the model file's own chat template
 * ({@code tokenizer.chat_template}) or a named built-in one, rendered with the model's BOS and
 * EOS texts and a fixed date (templates such as Llama 3.1's print today's date; a fixed date
 * keeps a job's prompts the same on every retry). As llama.cpp does, a BOS text the template
 * writes first is dropped when the tokenizer adds BOS itself, and the text is tokenized with
 * special tokens parsed ({@link GenerationRequest#withParseSpecial}). Immutable and thread-safe.
 */
public final class ChatFormat {
    /** The format name meaning "the model file's own template". */
    public static final String MODEL = "model";

    private final String name;
    private final ChatTemplate template;
    private final String bos;
    private final String eos;
    private final boolean dropBos;
    private final LocalDate date;

    private ChatFormat(String name, ChatTemplate template, Vocabulary vocab, LocalDate date) {
        this.name = name;
        this.template = template;
        // llama2.c vocabularies store BOS as "\n<s>\n"
        this.bos = vocab.pieceText(vocab.bos()).strip();
        this.eos = vocab.pieceText(vocab.eos()).strip();
        this.dropBos = vocab.addBos();
        this.date = date;
    }

    /**
     * The chat format for a model.
     *
     * @param format {@link #MODEL} (or null or empty) for the file's own template, else a name of
     *               {@link ChatTemplate#names()}
     * @param date   the date templates print
     * @throws IllegalArgumentException when the file has no template and no name is given, or the name is unknown
     * @throws io.sparkllama.chat.ChatTemplateException when the file's template cannot be parsed
     */
    public static ChatFormat of(String format, LoadedModel model, LocalDate date) {
        Vocabulary vocab = model.tokenizer().vocabulary();
        if (format == null || format.isEmpty() || format.equals(MODEL)) {
            if (model.chatTemplate() == null) {
                throw new IllegalArgumentException(model.path().getFileName() + " has no chat template (tokenizer.chat_template); "
                        + "name a chat format: " + String.join(", ", ChatTemplate.names()));
            }
            return new ChatFormat(MODEL, ChatTemplate.parse(model.chatTemplate()), vocab, date);
        }
        return new ChatFormat(format, ChatTemplate.named(format), vocab, date);
    }

    /** {@link #MODEL} or the built-in format's name. */
    public String name() {
        return name;
    }

    /** The prompt text of a conversation, ending where the assistant's reply begins. */
    public String render(List<ChatMessage> messages) {
        String text = template.render(messages, true, bos, eos, date);
        return dropBos && !bos.isEmpty() && text.startsWith(bos) ? text.substring(bos.length()) : text;
    }

    /** The prompt text of one user message, after a system message when {@code system} is not null. */
    public String render(String system, String user) {
        return render(system, List.of(new ChatMessage("user", user)));
    }

    /**
     * The prompt text of a conversation, with a system message of {@code system} put first when
     * {@code system} is not null and the conversation has none of its own.
     */
    public String render(String system, List<ChatMessage> messages) {
        if (system == null || messages.stream().anyMatch(m -> m.role().equals("system"))) {
            return render(messages);
        }
        List<ChatMessage> withSystem = new ArrayList<>(messages.size() + 1);
        withSystem.add(new ChatMessage("system", system));
        withSystem.addAll(messages);
        return render(withSystem);
    }
}
