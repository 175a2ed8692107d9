"""Hebrew stop words: the function words `words` leaves out of the words over-represented in an article set.

A closed class, so a list: personal, demonstrative and interrogative pronouns and their inflected
prepositions (לו, אותה, שלהם), prepositions, conjunctions, particles, quantifiers, the forms of היה and the
commonest adverbs and modal words — every function word among wordfreq's 200 most frequent Hebrew words,
checked by hand, and those of them a prefix can stand before written bare (הוא for והוא, שהוא). The
prepositions, conjunctions and adverbs the lexicon keeps whole (lexicon.LEXICALIZED: לאחר, כאשר, ביותר) are
stop words too. Content words, even very frequent ones (ישראל, בית, יום, שנה, אדם), are not: a set of
articles may well be about them.
"""

from __future__ import annotations

from .lexicon import LEXICALIZED

_FUNCTION_WORDS = """
    את של לא על זה הוא היא הם הן אני אתה אתם אתן אנחנו אנו כל עם מה גם אם יש אין אבל או כי יותר פחות רק
    אחד אחת אחר אחרת אחרים אחרות בין אל כמו כך עד שם אז זו זאת זהו זוהי אלה אלו האלה הזה הזאת הזו כן לא
    עוד מי איך למה מדוע מתי איפה היכן איזה איזו אילו כדי אך אשר אף אפילו ידי פי מן שום כולם כולן כולו כולה
    היה היתה הייתה היו יהיה תהיה יהיו להיות הייתי היינו הוא היא הנה
    לי לך לו לה לנו לכם לכן להם להן אותי אותך אותו אותה אותנו אתכם אותם אותן בי בך בו בה בנו בכם בהם בהן
    ממני ממך ממנו ממנה מכם מהם מהן עליי עליו עליה עלינו עליהם עליהן אליו אליה אליהם אצל אצלו אצלה
    שלי שלך שלו שלה שלנו שלכם שלכן שלהם שלהן עצמו עצמה עצמם עצמי
    הרבה מאוד ממש פשוט אולי תמיד עכשיו עדיין שוב קצת כבר הכל הכול משהו מישהו דבר אפשר צריך יכול יכולה
    יכולים נגד לפני אחרי תוך ללא בלי מול כאן פה שם היום אמר אמרה אומר
    """.split()

#: the stop words, each as it is written bare; a word the index reads as a prefix and one of them (והוא,
#: שהיא) is one too
HEBREW_STOP_WORDS: frozenset[str] = frozenset(_FUNCTION_WORDS) | LEXICALIZED
