package io.sparkllama.chat;

import org.junit.jupiter.api.Test;

import static io.sparkllama.chat.JinjaAssert.assertRenders;

/**
 * Jinja2's whitespace handling with trim_blocks and lstrip_blocks on, as transformers configures it.
 * <p>
 * Every expected string is what Python Jinja2 3.1.6 renders for the same template, set up as
 * transformers' apply_chat_template does (see {@link JinjaAssert}), with the conversation of
 * {@link JinjaAssert#MESSAGES}.
 */
class JinjaWhitespaceTest {
    /** trim_blocks: the first newline after a block tag goes, one only. */
    @Test
    void trimBlocksDropsTheNewlineAfterABlockTag() {
        assertRenders("{% if true %}\nyes\n{% endif %}\nafter",
                "yes\nafter");
        assertRenders("{% if true %}\n\ntwo newlines, one stays\n{% endif %}",
                "\ntwo newlines, one stays\n");
        assertRenders("{% set x = 1 %}\n{{ x }}\n{{ x }}\n",
                "1\n1");
    }

    /** A {{ }} keeps the newline after it. */
    @Test
    void trimBlocksDoesNotApplyToExpressions() {
        assertRenders("{{ 'a' }}\n{{ 'b' }}\n",
                "a\nb");
    }

    /** lstrip_blocks: spaces and tabs from the start of the line to a block tag go. */
    @Test
    void lstripBlocksDropsIndentationBeforeABlockTag() {
        assertRenders("<ul>\n  {% for m in messages %}\n    <li>{{ m.role }}\n  {% endfor %}\n</ul>",
                "<ul>\n    <li>system\n    <li>user\n    <li>assistant\n    <li>user\n</ul>");
        assertRenders("\t {% if true %}tab and space{% endif %}",
                "tab and space");
        assertRenders("text  {% if true %}not at line start{% endif %}",
                "text  not at line start");
    }

    /** Indentation before {{ }} stays. */
    @Test
    void lstripBlocksDoesNotApplyToExpressions() {
        assertRenders("  {{ 'indented' }}\n    {{ 'more' }}",
                "  indented\n    more");
    }

    /** {%- -%} {{- -}} {#- -#} strip every space and newline on their side. */
    @Test
    void minusStripsAllWhitespaceOnItsSide() {
        assertRenders("a   \n\n  {%- if true -%}  \n\n  b  \n  {%- endif -%}\n\n  c",
                "abc");
        assertRenders("a  \n  {{- 'b' -}}  \n  c",
                "abc");
        assertRenders("a  \n  {#- comment -#}  \n  c",
                "ac");
        assertRenders("{%- for m in messages -%}\n    [{{- m.role -}}]\n{%- endfor -%}\n",
                "[system][user][assistant][user]");
    }

    /** {%+ keeps the indentation, +%} keeps the newline. */
    @Test
    void plusDisablesLstripAndTrimForOneTag() {
        assertRenders("  {%+ if true %}kept indent{% endif %}",
                "  kept indent");
        assertRenders("{% if true +%}\nkept newline{% endif %}",
                "\nkept newline");
    }

    /** Comments render nothing; with trim_blocks and lstrip_blocks they behave like block tags. */
    @Test
    void commentsVanishAndTrimLikeBlocks() {
        assertRenders("a\n  {# a comment #}\nb",
                "a\nb");
        assertRenders("{# multi\nline #}x",
                "x");
    }

    /** {% raw %} content is text; no newline is trimmed after {% raw %}, one is after {% endraw %}. */
    @Test
    void rawBlocksAreText() {
        assertRenders("{% raw %}{{ not evaluated }} {% if %}{% endraw %}",
                "{{ not evaluated }} {% if %}");
        assertRenders("{% raw %}\nfirst newline kept{% endraw %}\nafter",
                "\nfirst newline keptafter");
        assertRenders("  {%- raw -%}  inner  {%- endraw -%}  x",
                "innerx");
    }

    /** keep_trailing_newline is off: one final newline goes, a second stays. */
    @Test
    void oneTrailingNewlineOfTheTemplateIsDropped() {
        assertRenders("end\n",
                "end");
        assertRenders("end\n\n",
                "end\n");
    }

    /** Jinja2 reads \r\n and \r as \n, in text and in string literals. */
    @Test
    void windowsAndOldMacNewlinesBecomeLineFeeds() {
        assertRenders("a\r\nb\rc\r\n{% if true %}\r\nd{% endif %}",
                "a\nb\nc\nd");
    }
}
