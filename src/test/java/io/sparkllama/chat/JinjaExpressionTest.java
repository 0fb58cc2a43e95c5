package io.sparkllama.chat;

import org.junit.jupiter.api.Test;

import static io.sparkllama.chat.JinjaAssert.assertRenders;

/**
 * Expressions: literals, operators with Python's semantics, access, slicing, printing.
 * <p>
 * Every expected string is what Python Jinja2 3.1.6 renders for the same template, set up as
 * transformers' apply_chat_template does (see {@link JinjaAssert}), with the conversation of
 * {@link JinjaAssert#MESSAGES}.
 */
class JinjaExpressionTest {
    /** Strings with both quotes and escapes, numbers, constants in both spellings, lists, tuples, dicts. */
    @Test
    void literals() {
        assertRenders("{{ 'single' }} {{ \"double\" }} {{ 'it\\'s' }} {{ \"tab\\there\" }} {{ '\\u00e9\\x41' }} {{ 'a' 'b' }}",
                "single double it's tab\there éA ab");
        assertRenders("{{ 42 }} {{ 1_000 }} {{ 3.5 }} {{ 1e3 }} {{ 2.5e-3 }}",
                "42 1000 3.5 1000.0 0.0025");
        assertRenders("{{ true }} {{ True }} {{ false }} {{ False }} {{ none }} {{ None }}",
                "True True False False None None");
        assertRenders("{{ [1, 'a', none, true, 1.5, [2]] }} {{ (1, 'b') }} {{ (1,) }} {{ () }} {{ {'k': 'v', 'n': [1, 2]} }} {{ {} }} {{ [] }}",
                "[1, 'a', None, True, 1.5, [2]] (1, 'b') (1,) () {'k': 'v', 'n': [1, 2]} {} []");
    }

    /** none prints None, booleans True/False, floats as Python's repr, strings in containers with repr quoting. */
    @Test
    void printingFollowsPythonStr() {
        assertRenders("{{ 1.0 }} {{ 0.1 + 0.2 }} {{ 1e16 }} {{ 1e15 }} {{ 0.0001 }} {{ 0.00001 }} {{ -0.0 }} {{ 10 / 4 }} {{ 1 / 3 }}",
                "1.0 0.30000000000000004 1e+16 1000000000000000.0 0.0001 1e-05 -0.0 2.5 0.3333333333333333");
        assertRenders("{{ [\"it's\", 'say \"hi\"', 'both \\' \"', 'tab\\t', 'é'] }}",
                "[\"it's\", 'say \"hi\"', 'both \\' \"', 'tab\\t', 'é']");
        assertRenders("{{ messages[0] }}",
                "{'role': 'system', 'content': 'Be brief.'}");
    }

    /** Python arithmetic: / is true division, // and % floor, ** powers, bools are ints. */
    @Test
    void arithmetic() {
        assertRenders("{{ 7 + 2 }} {{ 7 - 2 }} {{ 7 * 2 }} {{ 7 / 2 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 7 % -3 }} {{ 2 ** 10 }} {{ 2 ** -1 }}",
                "9 5 14 3.5 3 -4 1 2 -2 1024 0.5");
        assertRenders("{{ 7.5 // 2 }} {{ -7.5 % 2 }} {{ 1 + 1.5 }} {{ true + 1 }} {{ 1 + 2 * 3 - 4 }} {{ (1 + 2) * 3 }} {{ -2 ** 2 }} {{ 2 ** 3 ** 2 }}",
                "3.0 0.5 2.5 2 3 9 4 64");
    }

    /** + concatenates strings and lists, * repeats, ~ stringifies both sides. */
    @Test
    void stringAndListOperators() {
        assertRenders("{{ 'a' + 'b' }} {{ 'ab' * 2 }} {{ 2 * 'x' }} {{ [1] + [2] }} {{ [0] * 3 }} {{ (1,) + (2,) }}",
                "ab abab xx [1, 2] [0, 0, 0] (1, 2)");
        assertRenders("{{ 'n=' ~ 1 ~ ' ' ~ none ~ ' ' ~ true ~ ' ' ~ 1.5 ~ ' ' ~ [1] ~ undefined_name }}",
                "n=1 None True 1.5 [1]");
    }

    /** Python equality (1 == 1.0 == true), chained comparisons, in / not in. */
    @Test
    void comparisons() {
        assertRenders("{{ 1 == 1.0 }} {{ true == 1 }} {{ [1, 2] == [1, 2] }} {{ (1, 2) == [1, 2] }} {{ none == none }} {{ 'a' != 'b' }}",
                "True True True False True True");
        assertRenders("{{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }} {{ 'a' < 'b' }} {{ [1, 2] < [1, 3] }} {{ 2 >= 2.0 }} {{ 1 <= 0 }}",
                "True False True True True False");
        assertRenders("{{ 'b' in 'abc' }} {{ 'role' in messages[0] }} {{ 2 in [1, 2] }} {{ 'x' not in ['y'] }} {{ not 'x' in 'xyz' }} {{ 'a' in undefined_name }}",
                "True True True True False False");
    }

    /** and/or return an operand as in Python; not binds looser than comparisons. */
    @Test
    void logic() {
        assertRenders("{{ 'a' or 'b' }} {{ '' or 'b' }} {{ 'a' and 'b' }} {{ '' and 'b' }} {{ none or [] }} {{ not none }} {{ not 1 == 2 }}",
                "a b b  [] True True");
        assertRenders("{{ true or false and false }} {{ (true or false) and false }}",
                "True False");
    }

    /** Empty strings, lists and dicts, zero, none and undefined are false. */
    @Test
    void truthiness() {
        assertRenders("{% for v in ['', 'x', [], [0], {}, 0, 0.0, 1, none, true] %}{{ 'T' if v else 'F' }}{% endfor %}{{ 'T' if undefined_name else 'F' }}",
                "FTFTFFFTFTF");
    }

    /** x if c else y; without else an undefined that prints nothing. */
    @Test
    void conditionalExpression() {
        assertRenders("{{ 'yes' if messages else 'no' }} {{ 'a' if false else 'b' if false else 'c' }} [{{ 'x' if false }}]",
                "yes c []");
    }

    /** message.content and message['content'] alike; missing keys, indexes and attributes are undefined. */
    @Test
    void attributeAndItemAccess() {
        assertRenders("{{ messages[0].role }} {{ messages[0]['role'] }} {{ messages[-1].content }} {{ messages.0.role }}",
                "system system What is 2+2? system");
        assertRenders("[{{ messages[10] }}][{{ messages[0].missing }}][{{ messages[0]['missing'] }}] {{ messages[10] is defined }} {{ messages[0].missing is defined }}",
                "[][][] False False");
        assertRenders("{{ {'items': 1}['items'] }} {{ {'a': {'b': [10, 20]}}['a']['b'][1] }}",
                "1 20");
    }

    /** Python slices on lists, strings and ranges, including negative steps. */
    @Test
    void slicing() {
        assertRenders("{{ messages[1:]|length }} {{ messages[:1][0].role }} {{ messages[::-1][0].role }} {{ [1, 2, 3, 4][::2] }} {{ [1, 2, 3, 4][-2:] }} {{ [1, 2, 3][:-1] }} {{ [1, 2, 3][10:] }}",
                "3 system user [1, 3] [3, 4] [1, 2] []");
        assertRenders("{{ 'hello'[1:3] }} {{ 'hello'[::-1] }} {{ 'hello'[-1] }} {{ range(10)[2:8:3] }}",
                "el olleh o range(2, 8, 3)");
    }

    /** An undefined variable prints nothing, is falsy, iterates as empty and has length 0. */
    @Test
    void undefinedVariables() {
        assertRenders("[{{ nothing }}] {{ nothing is defined }} {{ nothing is undefined }} {{ nothing|length }} {{ nothing|default('dflt') }} {% for x in nothing %}never{% endfor %}{{ nothing ~ 'x' }}",
                "[] False True 0 dflt x");
    }

    /** The str methods templates call. */
    @Test
    void stringMethods() {
        assertRenders("[{{ '  x  '.strip() }}][{{ '  x  '.lstrip() }}][{{ '  x  '.rstrip() }}][{{ 'xxhixx'.strip('x') }}][{{ '\\u00a0x\\u3000'.strip() }}]",
                "[x][x  ][  x][hi][x]");
        assertRenders("{{ 'Hello'.startswith('He') }} {{ 'Hello'.endswith(('x', 'lo')) }} {{ 'a,b,,c'.split(',') }} {{ ' a  b '.split() }} {{ 'a b c'.split(' ', 1) }} {{ 'a b c'.rsplit(' ', 1) }}",
                "True True ['a', 'b', '', 'c'] ['a', 'b'] ['a', 'b c'] ['a b', 'c']");
        assertRenders("{{ 'mIxEd'.upper() }} {{ 'mIxEd'.lower() }} {{ \"they're here\".title() }} {{ 'hELLO wORLD'.capitalize() }} {{ 'a-b-c'.replace('-', '+') }} {{ 'a-b-c'.replace('-', '', 1) }}",
                "MIXED mixed They'Re Here Hello world a+b+c ab-c");
        assertRenders("{{ '{} and {}'.format(1, 'two') }} {{ '{0}{1}{0}'.format('a', 'b') }} {{ '{name}!'.format(name='hi') }} {{ ', '.join(['a', 'b']) }} {{ 'abc'.find('c') }} {{ 'abcabc'.count('b') }}",
                "1 and two aba hi! a, b 2 2");
        assertRenders("{{ 'x</think>answer'.split('</think>')[-1] }} {{ 'line1\\nline2\\r\\nline3'.splitlines() }} {{ 'abc'.removeprefix('a') }} {{ 'abc'.removesuffix('c') }} {{ '42'.zfill(5) }} {{ 'ab'.center(6, '*') }}",
                "answer ['line1', 'line2', 'line3'] bc ab 00042 **ab**");
    }

    /** dict.items/keys/values/get and list.index/count. */
    @Test
    void dictAndListMethods() {
        assertRenders("{% for k, v in messages[0].items() %}{{ k }}={{ v }};{% endfor %} {{ messages[0].keys()|list }} {{ messages[0].values()|list }} {{ messages[0].items() }}",
                "role=system;content=Be brief.; ['role', 'content'] ['system', 'Be brief.'] dict_items([('role', 'system'), ('content', 'Be brief.')])");
        assertRenders("{{ messages[0].get('role') }} {{ messages[0].get('nope') }} {{ messages[0].get('nope', 'dflt') }} {{ [1, 2, 2].count(2) }} {{ ['a', 'b'].index('b') }}",
                "system None dflt 2 1");
    }

    /** Lengths, indexes and reversal go by code point, as Python strings do. */
    @Test
    void unicodeCountsCodePoints() {
        assertRenders("{{ 'é\ud83d\ude00x'|length }} {{ 'é\ud83d\ude00x'[1] }} {{ 'é\ud83d\ude00x'[::-1] }} {{ 'é\ud83d\ude00x'|reverse }} {{ '\ud83d\ude00' > '\\uffff' }}",
                "3 \ud83d\ude00 x\ud83d\ude00é x\ud83d\ude00é True");
    }
}
