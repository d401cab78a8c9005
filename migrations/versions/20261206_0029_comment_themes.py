"""Comment themes: keywords per dimension and root cause, admins' corrections, cards seeded from themes.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-06

Issue 24: a theme is a dimension or a root cause, named by its key (unique per kind), so its starting
keywords below are seeded even before the dimensions are; admins add and remove keywords
(`theme_keywords`, unique per theme). `comment_themes` holds an admin's correction of a released comment's
theme, keyed by the comment like the comment itself: no person, no time. On the workshop board a card made
from a theme carries its `seed` (unique per workshop: the same theme added twice makes one card), and a
grouping suggestion the facilitator rejected is kept (`workshop_rejected_suggestions`) so it does not come
back. Downgrade drops them all.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None

# The starting keywords: a few plain words per theme in both languages, to be corrected by admins. Russian
# words are given in the forms comments use where the stemmer does not bring them to one stem.
KEYWORDS = {
    ('dimension', 'competence'): (
        'competent competence incompetent knowledge knowledgeable know skills skilled expert expertise '
        'professional experienced qualified clueless trained training '
        'компетентный некомпетентный знания знают знает разбираются опытный профессионалы профессионально '
        'квалификация специалист специалисты обучены навыков'),
    ('dimension', 'accessibility'): (
        'reach reachable available unavailable wait waiting queue phone call calls answer answers reply '
        'replies emails slow weeks days ages contact '
        'дозвониться недоступны ждать ждём ждали ожидание очередь телефон звонки трубку отвечают ответа '
        'ответили письма почту неделями долго медленно связаться'),
    ('dimension', 'courtesy'): (
        'polite impolite rude rudeness respect respectful disrespectful friendly unfriendly kind tone '
        'attitude arrogant dismissive courteous manners shout '
        'вежливый вежливо невежливо грубо грубят хамят хамство уважение уважительно дружелюбно тон '
        'отношение высокомерно приветливы кричат'),
    ('dimension', 'reliability'): (
        'promise promised promises deadline deadlines late delay delayed error errors mistake mistakes '
        'wrong accurate reliable unreliable lost forget forgot forgotten twice '
        'обещали обещание сроки вовремя опаздывают задержка задерживают ошибка ошибки ошибок ошибаются '
        'неправильно надёжный теряют потеряли забывают срывают'),
    ('dimension', 'security'): (
        'security secure safe unsafe risk risky password passwords leak leaked confidential privacy breach '
        'virus protect protected '
        'безопасность безопасно риск пароль пароли утечка конфиденциально защита вирус персональные '
        'рискованно'),
    ('dimension', 'responsibility'): (
        'responsibility responsible irresponsible blame blames excuse excuses ownership accountable '
        'shift fix own '
        'ответственность ответственный безответственно виноваты вину оправдания отговорки перекладывают '
        'спихивают исправлять исправить отфутболивают'),
    ('dimension', 'communication'): (
        'inform informed information update updates news explain explained explanation jargon language '
        'clear unclear notify notified told communicate communication '
        'информируют информации сообщают сообщили предупредили предупреждают объясняют объяснить понятно '
        'непонятно язык жаргон новости рассылка'),
    ('dimension', 'understanding'): (
        'need needs understand understanding priorities goals context business listen specifics '
        'понимают понимания потребности нужды задачи специфику вникают слушают слышат приоритеты'),
    ('dimension', 'tangibles'): (
        'office room premises tools equipment documents forms template templates portal website printer '
        'furniture desk clean messy '
        'офис помещение кабинет оборудование инструменты документы бланки шаблоны портал сайт принтер '
        'мебель'),
    ('root_cause', 'people'): (
        'staff person people employee employees manager newcomer newcomers turnover understaffed '
        'сотрудники человек люди менеджер новички текучка штат нехватка'),
    ('root_cause', 'systems'): (
        'system systems software crm erp database bug bugs crash crashes '
        'система системы программа 1С CRM база сбой глючит'),
    ('root_cause', 'processes'): (
        'process procedure procedures approval approvals rule rules policy workflow bureaucracy signature '
        'signatures '
        'процесс процедура согласование согласования регламент бюрократия подписи инструкция'),
    ('root_cause', 'products'): (
        'product products catalogue price prices offer tariff '
        'продукт продукты продукция товар ассортимент цены тариф'),
    ('root_cause', 'clients'): (
        'client clients customer customers buyer buyers '
        'клиент клиенты клиентов заказчик покупатели'),
}


def upgrade():
    op.create_table(
        'themes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=12), nullable=False),
        sa.Column('key', sa.String(length=40), nullable=False),
        sa.CheckConstraint("kind IN ('dimension', 'root_cause')", name=op.f('ck_themes_kind_known')),
        sa.CheckConstraint('length(key) BETWEEN 1 AND 40', name=op.f('ck_themes_key_length')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_themes')),
        sa.UniqueConstraint('kind', 'key', name=op.f('uq_themes_kind')),
    )
    op.create_table(
        'theme_keywords',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('theme_id', sa.Integer(), nullable=False),
        sa.Column('word', sa.String(length=40), nullable=False),
        sa.CheckConstraint('length(word) BETWEEN 1 AND 40', name=op.f('ck_theme_keywords_word_length')),
        sa.ForeignKeyConstraint(['theme_id'], ['themes.id'], name=op.f('fk_theme_keywords_theme_id_themes'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_theme_keywords')),
        sa.UniqueConstraint('theme_id', 'word', name=op.f('uq_theme_keywords_theme_id')),
    )
    op.create_index(op.f('ix_theme_keywords_theme_id'), 'theme_keywords', ['theme_id'])
    op.create_table(
        'comment_themes',
        sa.Column('comment_id', sa.String(length=32), nullable=False),
        sa.Column('theme_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['comment_id'], ['comments.id'],
                                name=op.f('fk_comment_themes_comment_id_comments'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['theme_id'], ['themes.id'], name=op.f('fk_comment_themes_theme_id_themes'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('comment_id', name=op.f('pk_comment_themes')),
        sqlite_with_rowid=False,
    )
    op.create_table(
        'workshop_rejected_suggestions',
        sa.Column('workshop_id', sa.Integer(), nullable=False),
        sa.Column('theme_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['workshop_id'], ['workshops.id'],
                                name=op.f('fk_workshop_rejected_suggestions_workshop_id_workshops'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['theme_id'], ['themes.id'],
                                name=op.f('fk_workshop_rejected_suggestions_theme_id_themes'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('workshop_id', 'theme_id', name=op.f('pk_workshop_rejected_suggestions')),
    )
    # A column and an index, not a batch rebuild: SQLite would turn the column checks of 0016 into table
    # checks, and 0016's downgrade could no longer drop its column.
    op.add_column('workshop_cards', sa.Column('seed', sa.String(length=40), nullable=True))
    op.create_index('ix_workshop_cards_seed', 'workshop_cards', ['workshop_id', 'seed'], unique=True)

    seed_keywords(op.get_bind())


def seed_keywords(connection) -> None:
    """The themes and their starting keywords (tests/conftest.py puts them back this way too)."""
    themes = sa.table('themes', sa.column('id', sa.Integer), sa.column('kind', sa.String),
                      sa.column('key', sa.String))
    keywords = sa.table('theme_keywords', sa.column('theme_id', sa.Integer), sa.column('word', sa.String))
    connection.execute(themes.insert(), [{'kind': kind, 'key': key} for kind, key in KEYWORDS])
    rows = connection.execute(sa.select(themes.c.id, themes.c.kind, themes.c.key))
    ids = {(kind, key): id_ for id_, kind, key in rows}
    connection.execute(keywords.insert(), [{'theme_id': ids[(kind, key)], 'word': word}
                                           for (kind, key), words in KEYWORDS.items() for word in words.split()])


def downgrade():
    op.drop_index('ix_workshop_cards_seed', table_name='workshop_cards')
    op.drop_column('workshop_cards', 'seed')
    op.drop_table('workshop_rejected_suggestions')
    op.drop_table('comment_themes')
    op.drop_index(op.f('ix_theme_keywords_theme_id'), table_name='theme_keywords')
    op.drop_table('theme_keywords')
    op.drop_table('themes')
