package io.sparkllama.engine;

import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds a row's prompt text (or, with a chat format, the user message): a template with
 * {@code {column}} placeholders filled from the row. A placeholder for a column the row does
 * not have, or whose value is null, is an error for that row. {@code {{} and {@code }}} write
 * literal braces.
 */
public final class PromptTemplate {
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{|}}|\\{([A-Za-z_][A-Za-z0-9_.]*)}");

    private final String template;

    /**
     * @param template text with {@code {column}} placeholders, or null to use the prompt column as it is
     */
    public PromptTemplate(String template) {
        this.template = template;
    }

    /** No template: the prompt column as it is. */
    public static final PromptTemplate PLAIN = new PromptTemplate(null);

    /**
     * The prompt for a row.
     *
     * @param prompt the prompt column's value (used when there is no template)
     * @param column the row's values by column name, for placeholders
     * @throws IllegalArgumentException when a placeholder names a missing or null column
     */
    public String render(String prompt, Function<String, Object> column) {
        return template == null ? prompt : fill(column);
    }

    private String fill(Function<String, Object> column) {
        Matcher m = PLACEHOLDER.matcher(template);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String token = m.group();
            String replacement;
            if (token.equals("{{")) {
                replacement = "{";
            } else if (token.equals("}}")) {
                replacement = "}";
            } else {
                Object v = column.apply(m.group(1));
                if (v == null) {
                    throw new IllegalArgumentException("prompt template needs column '" + m.group(1) + "', which is null or missing");
                }
                replacement = String.valueOf(v);
            }
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }
}
