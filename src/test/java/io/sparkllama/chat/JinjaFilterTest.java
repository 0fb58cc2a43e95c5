package io.sparkllama.chat;

import org.junit.jupiter.api.Test;

import static io.sparkllama.chat.JinjaAssert.assertRenders;

/**
 * Filters and tests, each as Jinja2 3.1 (tojson as transformers' json.dumps).
 * <p>
 * Every expected string is what Python Jinja2 3.1.6 renders for the same template, set up as
 * transformers' apply_chat_template does (see {@link JinjaAssert}), with the conversation of
 * {@link JinjaAssert#MESSAGES}.
 */
class JinjaFilterTest {
    /** trim, upper, lower, title, capitalize, replace, indent, center, wordcount, escape, safe, string. */
    @Test
    void stringFilters() {
        assertRenders("[{{ '  x  '|trim }}][{{ 'xxhixx'|trim('x') }}] {{ 'Mixed'|upper }} {{ 'Mixed'|lower }} {{ \"they're here-now (ok)\"|title }} {{ 'hELLO wORLD'|capitalize }}",
                "[x][hi] MIXED mixed They're Here-Now (Ok) Hello world");
        assertRenders("{{ 'a-b-c'|replace('-', '+') }} {{ 'aaa'|replace('a', 'b', 2) }} {{ 'x'|center(5) }}| {{ 'one two  three'|wordcount }} {{ '<a href=\"x\">&\\''|escape }} {{ '<b>'|safe }} {{ 5|string + '!' }}",
                "a+b+c bba   x  | 3 &lt;a href=&#34;x&#34;&gt;&amp;&#39; <b> 5!");
        assertRenders("{{ 'a\\nb\\n\\nc'|indent }}|{{ 'a\\nb'|indent(2, true) }}|{{ 'a\\n\\nb'|indent(2, blank=true) }}|{{ 'a\\nb'|indent('> ') }}",
                "a\n    b\n\n    c|  a\n  b|a\n  \n  b|a\n> b");
    }

    /** int, float, abs, round (half to even, as Python), with their fallbacks. */
    @Test
    void numberFilters() {
        assertRenders("{{ '42'|int }} {{ ' 7 '|int }} {{ '4.7'|int }} {{ 'x'|int }} {{ 'x'|int(-1) }} {{ 3.9|int }} {{ true|int }} {{ none|int }} {{ '1_000'|int }}",
                "42 7 4 0 -1 3 1 0 1000");
        assertRenders("{{ '1.5'|float }} {{ 'x'|float }} {{ 3|float }} {{ -3|abs }} {{ -2.5|abs }} {{ 2.567|round(2) }} {{ 2.5|round }} {{ 3.5|round }} {{ 3|round }} {{ 2.1|round(method='ceil') }} {{ 2.9|round(0, 'floor') }}",
                "1.5 0.0 3.0 3 2.5 2.57 2.0 4.0 3 3.0 2.0");
    }

    /** length/count, first, last, list, join, reverse, sort, unique, min, max, sum, default. */
    @Test
    void sequenceFilters() {
        assertRenders("{{ messages|length }} {{ messages|count }} {{ 'abc'|length }} {{ messages|first|tojson }} {{ (messages|last).role }} {{ 'ab'|list }} {{ []|first is defined }}",
                "4 4 3 {\"role\": \"system\", \"content\": \"Be brief.\"} user ['a', 'b'] False");
        assertRenders("{{ [1, 2]|join }} {{ [1, 2]|join(', ') }} {{ messages|join('/', attribute='role') }} {{ [1, 2, 3]|reverse|list }} {{ 'abc'|reverse }}",
                "12 1, 2 system/user/assistant/user [3, 2, 1] cba");
        assertRenders("{{ [3, 1, 2]|sort }} {{ [3, 1, 2]|sort(reverse=true) }} {{ ['b', 'A', 'c']|sort }} {{ ['b', 'A', 'c']|sort(case_sensitive=true) }} {{ messages|sort(attribute='role')|map(attribute='role')|join(',') }}",
                "[1, 2, 3] [3, 2, 1] ['A', 'b', 'c'] ['A', 'b', 'c'] assistant,system,user,user");
        assertRenders("{{ ['a', 'A', 'b', 'a']|unique|list }} {{ ['a', 'A']|unique(case_sensitive=true)|list }} {{ [3, 1, 2]|min }} {{ [3, 1, 2]|max }} {{ [1, 2, 3]|sum }} {{ messages|map(attribute='content')|map('length')|sum }}",
                "['a', 'b'] ['a', 'A'] 1 3 6 39");
        assertRenders("{{ undefined_name|default('d') }} {{ ''|default('d') }} {{ ''|default('d', true) }} {{ none|d('d') }} {{ none|d('d', true) }}",
                "d  d None d");
    }

    /** select/reject with tests, selectattr/rejectattr on attributes, map by attribute or filter. */
    @Test
    void selectRejectMap() {
        assertRenders("{{ messages|selectattr('role', 'equalto', 'user')|list|length }} {{ messages|rejectattr('role', 'in', ['user', 'system'])|map(attribute='role')|list }} {{ messages|selectattr('role')|list|length }}",
                "2 ['assistant'] 4");
        assertRenders("{{ [1, 2, 3, 4]|select('odd')|list }} {{ [1, 2, 3, 4]|reject('odd')|list }} {{ ['a', '', none]|select|list }} {{ [1, 2, 3]|select('>', 1)|list }}",
                "[1, 3] [2, 4] ['a'] [2, 3]");
        assertRenders("{{ messages|map(attribute='role')|map('upper')|join(',') }} {{ messages|map(attribute='missing', default='-')|join }} {{ [{'a': {'b': 1}}]|map(attribute='a.b')|list }}",
                "SYSTEM,USER,ASSISTANT,USER ---- [1]");
    }

    /** items, dictsort, attr. */
    @Test
    void mappingFilters() {
        assertRenders("{{ {'b': 1, 'a': 2}|items|list }} {{ {'b': 1, 'a': 2}|dictsort }} {{ {'b': 1, 'a': 2}|dictsort(by='value', reverse=true) }} {{ messages[0]|attr('role') }}|{{ 'abc'|attr('upper') is callable }}",
                "[('b', 1), ('a', 2)] [('a', 2), ('b', 1)] [('a', 2), ('b', 1)] |True");
    }

    /** json.dumps(x, ensure_ascii=False) with indent, separators, sort_keys and ensure_ascii. */
    @Test
    void tojson() {
        assertRenders("{{ messages[2]|tojson }} {{ ['é', '\\u2028', 1.5, 10, true, none, 'q\"\\\\\\n\\u0001']|tojson }}",
                "{\"role\": \"assistant\", \"content\": \"Hello.\\n\"} [\"é\", \"\u2028\", 1.5, 10, true, null, \"q\\\"\\\\\\n\\u0001\"]");
        assertRenders("{{ {'b': [1, {'c': []}], 'a': {}}|tojson(indent=2) }}",
                "{\n  \"b\": [\n    1,\n    {\n      \"c\": []\n    }\n  ],\n  \"a\": {}\n}");
        assertRenders("{{ {'b': 1, 'a': [1, 2]}|tojson(sort_keys=true) }} {{ {'b': 1, 'a': [1, 2]}|tojson(separators=(',', ':')) }} {{ ['é\ud83d\ude00']|tojson(ensure_ascii=true) }} {{ [1]|tojson(indent='\\t') }}",
                "{\"a\": [1, 2], \"b\": 1} {\"b\":1,\"a\":[1,2]} [\"\\u00e9\\ud83d\\ude00\"] [\n\t1\n]");
    }

    /** defined, undefined, none, string, number, integer, float, mapping, iterable, sequence, boolean, true, false, callable, even, odd, divisibleby, in, comparisons, lower, upper, sameas. */
    @Test
    void tests() {
        assertRenders("{{ messages is defined }}{{ nothing is undefined }}{{ none is none }}{{ 'a' is string }}{{ 1 is number }}{{ true is number }}{{ 1 is integer }}{{ true is integer }}{{ 1.0 is float }}{{ 1 is not string }}",
                "TrueTrueTrueTrueTrueTrueTrueFalseTrueTrue");
        assertRenders("{{ messages[0] is mapping }}{{ messages is mapping }}{{ 'a' is iterable }}{{ nothing is iterable }}{{ 1 is iterable }}{{ messages is sequence }}{{ messages[0] is sequence }}{{ none is iterable }}",
                "TrueFalseTrueTrueFalseTrueTrueFalse");
        assertRenders("{{ true is boolean }}{{ 1 is boolean }}{{ true is true }}{{ 1 is true }}{{ false is false }}{{ range is callable }}{{ 'a'.upper is callable }}{{ 'a' is callable }}",
                "TrueFalseTrueFalseTrueTrueTrueFalse");
        assertRenders("{{ 4 is even }}{{ 3 is odd }}{{ 1.5 is odd }}{{ 9 is divisibleby 3 }}{{ 9 is divisibleby(4) }}{{ 'a' is in 'abc' }}{{ 2 is in [1] }}{{ 1 is eq 1.0 }}{{ 1 is ne 2 }}{{ 1 is lt 2 }}{{ 2 is greaterthan 1 }}{{ 1 is ge 1 }}{{ 1 is le 0 }}",
                "TrueTrueFalseTrueFalseTrueFalseTrueTrueTrueTrueTrueFalse");
        assertRenders("{{ 'abc' is lower }}{{ 'ABC' is upper }}{{ 'Abc' is lower }}{{ none is sameas none }}{{ 'upper' is filter }}{{ 'odd' is test }}{{ 'nope' is test }}",
                "TrueTrueFalseTrueTrueTrueFalse");
    }
}
